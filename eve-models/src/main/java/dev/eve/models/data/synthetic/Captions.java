package dev.eve.models.data.synthetic;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Caption templates: several styles and paraphrases per scene, all computed from the scene. */
final class Captions {

    private Captions() {}

    /** {@code count} captions of the scene, of different styles while the enabled styles last. */
    static List<Caption> of(Scene scene, Settings s, Rng rng) {
        List<CaptionStyle> styles = new ArrayList<>(s.captionStyles());
        List<Caption> out = new ArrayList<>();
        List<CaptionStyle> order = new ArrayList<>();
        for (int attempt = 0; out.size() < s.captionsPerImage() && attempt < 8 * s.captionsPerImage(); attempt++) {
            if (order.isEmpty()) {
                order.addAll(styles);
                rng.shuffle(order);
            }
            CaptionStyle style = order.remove(0);
            Caption c = of(scene, style, rng);
            if (out.stream().noneMatch(o -> o.text().equals(c.text()))) out.add(c);
        }
        while (out.size() < s.captionsPerImage()) out.add(of(scene, styles.get(0), rng));   // tiny scenes: repeats allowed
        return out;
    }

    static Caption of(Scene scene, CaptionStyle style, Rng rng) {
        List<SceneObject> objects = new ArrayList<>(scene.objects());
        rng.shuffle(objects);
        return switch (style) {
            case LIST -> {
                int sizes = rng.nextInt(3);   // 0: none, 1: all, 2: some
                List<String> phrases = new ArrayList<>();
                for (SceneObject o : objects) phrases.add("a " + o.describe(sizes == 1 || (sizes == 2 && rng.nextBoolean())));
                String prefix = switch (rng.nextInt(3)) {
                    case 0 -> "";
                    case 1 -> "a picture of ";
                    default -> "there is ";
                };
                yield Texts.caption(style, prefix + Texts.join(phrases));
            }
            case GROUPED -> {
                Map<String, int[]> groups = new LinkedHashMap<>();
                Map<String, SceneObject> first = new LinkedHashMap<>();
                for (SceneObject o : objects) {
                    String key = o.colour().word() + " " + o.shape().word();
                    groups.computeIfAbsent(key, k -> new int[1])[0]++;
                    first.putIfAbsent(key, o);
                }
                List<String> phrases = new ArrayList<>();
                int firstCount = -1;
                for (Map.Entry<String, int[]> g : groups.entrySet()) {
                    SceneObject o = first.get(g.getKey());
                    int n = g.getValue()[0];
                    if (firstCount < 0) firstCount = n;
                    phrases.add(Texts.counted(n, o.colour().word() + " " + o.shape().word(), o.colour().word() + " " + o.shape().plural()));
                }
                String prefix = rng.nextBoolean() ? "" : firstCount == 1 ? "there is " : "there are ";
                yield Texts.caption(style, prefix + Texts.join(phrases));
            }
            case POSITIONS -> {
                if (rng.nextBoolean()) objects.sort(java.util.Comparator.comparing(SceneObject::cell));
                boolean sizes = rng.nextBoolean() && objects.size() <= 3;   // 4 objects with sizes would pass pre_caption's 30 words
                List<String> phrases = new ArrayList<>();
                for (SceneObject o : objects) phrases.add("a " + o.describe(sizes) + " in the " + o.cell().words());
                yield Texts.caption(style, Texts.join(phrases));
            }
            case COUNTED -> {
                boolean sizes = rng.nextBoolean();
                List<String> phrases = new ArrayList<>();
                for (SceneObject o : objects) phrases.add("a " + o.describe(sizes));
                int n = objects.size();
                String head = Numbers.word(n) + (n == 1 ? " object: " : " objects: ");
                yield Texts.caption(style, head + Texts.join(phrases));
            }
            case SHAPES -> {
                Map<Shape, Integer> counts = new LinkedHashMap<>();
                for (SceneObject o : objects) counts.merge(o.shape(), 1, Integer::sum);
                List<String> phrases = new ArrayList<>();
                counts.forEach((shape, n) -> phrases.add(Texts.counted(n, shape.word(), shape.plural())));
                int firstCount = counts.values().iterator().next();
                String prefix = rng.nextBoolean() ? "" : firstCount == 1 ? "there is " : "there are ";
                yield Texts.caption(style, prefix + Texts.join(phrases));
            }
            case COLOURS -> {
                Map<Colour, Integer> counts = new LinkedHashMap<>();
                for (SceneObject o : objects) counts.merge(o.colour(), 1, Integer::sum);
                List<String> phrases = new ArrayList<>();
                counts.forEach((colour, n) -> phrases.add(Texts.counted(n, colour.word() + " object", colour.word() + " objects")));
                yield Texts.caption(style, Texts.join(phrases));
            }
        };
    }
}
