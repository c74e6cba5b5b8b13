package dev.eve.models.data.synthetic;

import java.util.List;
import java.util.function.Predicate;

/**
 * What a synthetic image shows: 1 to 4 objects, each in its own quadrant, on a dim background of
 * colour ({@code bgRed}, {@code bgGreen}, {@code bgBlue}) with uniform noise drawn from
 * {@code noiseSeed}. Every text about the image (captions, answers, NLVR2 labels) is computed from
 * this description, and {@link SceneRenderer} draws it.
 */
public record Scene(List<SceneObject> objects, int bgRed, int bgGreen, int bgBlue, long noiseSeed) {

    public Scene {
        objects = List.copyOf(objects);
        if (objects.isEmpty() || objects.size() > Cell.values().length)
            throw new IllegalArgumentException("a scene has 1 to 4 objects, got " + objects.size());
        if (objects.stream().map(SceneObject::cell).distinct().count() != objects.size())
            throw new IllegalArgumentException("two objects share a cell");
    }

    public int size() {
        return objects.size();
    }

    public int count(Predicate<SceneObject> which) {
        int n = 0;
        for (SceneObject o : objects) if (which.test(o)) n++;
        return n;
    }

    public int count(Shape shape) {
        return count(o -> o.shape() == shape);
    }

    public int count(Colour colour) {
        return count(o -> o.colour() == colour);
    }

    public int count(Colour colour, Shape shape) {
        return count(o -> o.colour() == colour && o.shape() == shape);
    }

    public boolean has(Colour colour, Shape shape) {
        return count(colour, shape) > 0;
    }
}
