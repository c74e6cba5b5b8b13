package dev.eve.models.data.synthetic;

import dev.eve.models.data.image.RgbImage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Scene {@code i} is a pure function of the settings' seed, palette and object counts, and {@code i}:
 * 1 to 3 objects (by default) in distinct quadrants, each with a shape, a colour, a size and a
 * position jittered inside its quadrant, on a dim random background with uniform noise. Train images
 * use indices {@code 0, 1, ...}, test images {@code TEST_OFFSET + 0, 1, ...}.
 */
public final class SyntheticScenes {

    /** First scene index of the test split (2^40): train and test never share a scene index. */
    public static final long TEST_OFFSET = 1L << 40;

    /** Stream keys (what is drawn). */
    static final long SCENE = 1, CAPTIONS = 2, QUESTIONS = 3, NLVR = 4;

    private final Settings settings;

    /** Scenes of the default settings with this seed. */
    public SyntheticScenes(long seed) {
        this(Settings.defaults().withSeed(seed));
    }

    public SyntheticScenes(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /** Scene number {@code index}. */
    public Scene scene(long index) {
        return draw(settings, Rng.of(settings.seed(), SCENE, index));
    }

    /** Scene {@code index} drawn at the settings' image size and noise. */
    public RgbImage image(long index) {
        return SceneRenderer.render(scene(index), settings.imageSize(), settings.noise());
    }

    /** The scene index of image {@code i} of a split. */
    public static long index(Split split, int i) {
        if (i < 0) throw new IllegalArgumentException("negative index " + i);
        return split == Split.TRAIN ? i : TEST_OFFSET + i;
    }

    /** Draws one scene from {@code rng}. */
    static Scene draw(Settings s, Rng rng) {
        int n = rng.between(s.minObjects(), s.maxObjects());
        List<Cell> cells = new ArrayList<>(List.of(Cell.values()));
        rng.shuffle(cells);
        List<SceneObject> objects = new ArrayList<>(n);
        for (Cell cell : cells.subList(0, n)) {
            Shape shape = rng.pick(s.shapeList());
            Colour colour = rng.pick(s.colourList());
            Size size = rng.nextBoolean() ? Size.LARGE : Size.SMALL;
            double extent = rng.uniform(size.minExtent(), size.maxExtent());
            double room = (0.5 - extent) / 2 * 0.9;   // the object stays inside its quadrant
            double x = cell.centerX() + rng.uniform(-room, room);
            double y = cell.centerY() + rng.uniform(-room, room);
            int[] rgb = colour.rgb();
            int r = Math.clamp(rgb[0] + rng.between(-10, 10), 0, 255);
            int g = Math.clamp(rgb[1] + rng.between(-10, 10), 0, 255);
            int b = Math.clamp(rgb[2] + rng.between(-10, 10), 0, 255);
            objects.add(new SceneObject(shape, colour, size, cell, x, y, extent, r, g, b));
        }
        objects.sort(Comparator.comparing(SceneObject::cell));   // reading order
        return new Scene(objects, rng.between(12, 64), rng.between(12, 64), rng.between(12, 64), rng.nextLong());
    }
}
