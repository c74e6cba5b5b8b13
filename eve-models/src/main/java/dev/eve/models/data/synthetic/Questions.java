package dev.eve.models.data.synthetic;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * VQA question templates. Every question is answerable from the image: an object is only referred to
 * by a description that picks it out alone ("the circle" when there is one circle, else "the large
 * circle" when that is unique, ...). Answers are drawn as evenly as the scene allows: the target object
 * uniformly among those that can be referred to, counts uniformly among the counts the scene has,
 * yes/no with equal odds.
 */
final class Questions {

    private Questions() {}

    /** Attributes a referring expression may use. */
    private record Ref(boolean size, boolean colour, boolean shape) {}

    static List<VqaItem> of(Scene scene, Settings s, Rng rng, long firstId) {
        List<QuestionType> types = new ArrayList<>(s.questionTypes());
        List<VqaItem> out = new ArrayList<>();
        List<QuestionType> order = new ArrayList<>();
        for (int attempt = 0; out.size() < s.questionsPerImage() && attempt < 6 * s.questionsPerImage() + 12; attempt++) {
            if (order.isEmpty()) {
                order.addAll(types);
                rng.shuffle(order);
            }
            QuestionType type = order.remove(0);
            String[] qa = ask(scene, type, s, rng);
            if (qa == null) continue;
            String clean = Texts.cleanQuestion(qa[0]);
            if (out.stream().anyMatch(q -> q.question().equals(clean))) continue;
            out.add(new VqaItem(firstId + out.size(), type, clean, qa[0], qa[1]));
        }
        return out;
    }

    /** {raw question, answer}, or null when the scene does not allow this type. */
    static String[] ask(Scene scene, QuestionType type, Settings s, Rng rng) {
        return switch (type) {
            case COLOR -> {
                String[] pick = referTo(scene, rng, new Ref(false, false, true), new Ref(true, false, true));
                if (pick == null) yield null;
                SceneObject o = scene.objects().get(Integer.parseInt(pick[1]));
                String q = rng.nextBoolean() ? "what color is the " + pick[0] : "what is the color of the " + pick[0];
                yield new String[] {Texts.sentence(q, '?'), o.colour().word()};
            }
            case SHAPE -> {
                String[] pick = referTo(scene, rng, new Ref(false, true, false), new Ref(true, true, false));
                if (pick == null) yield null;
                SceneObject o = scene.objects().get(Integer.parseInt(pick[1]));
                String ref = pick[0] + " object";
                String q = rng.nextBoolean() ? "what shape is the " + ref : "what is the shape of the " + ref;
                yield new String[] {Texts.sentence(q, '?'), o.shape().word()};
            }
            case POSITION -> {
                String[] pick = referTo(scene, rng, new Ref(false, false, true), new Ref(false, true, true), new Ref(true, true, true));
                if (pick == null) yield null;
                SceneObject o = scene.objects().get(Integer.parseInt(pick[1]));
                yield new String[] {Texts.sentence("where is the " + pick[0], '?'), o.cell().words()};
            }
            case SIZE -> {
                String[] pick = referTo(scene, rng, new Ref(false, false, true), new Ref(false, true, true));
                if (pick == null) yield null;
                SceneObject o = scene.objects().get(Integer.parseInt(pick[1]));
                yield new String[] {Texts.sentence("what size is the " + pick[0], '?'), o.size().word()};
            }
            case COUNT -> {
                int kind = rng.nextInt(5);   // 0-1: a shape, 2-3: a colour, 4: all objects
                if (kind == 4) yield new String[] {Texts.sentence("how many objects are there", '?'), Numbers.word(scene.size())};
                boolean byShape = kind < 2;
                List<?> values = byShape ? s.shapeList() : s.colourList();
                TreeSet<Integer> present = new TreeSet<>();
                for (Object v : values) present.add(byShape ? scene.count((Shape) v) : scene.count((Colour) v));
                int n = rng.pick(new ArrayList<>(present));
                List<Object> with = new ArrayList<>();
                for (Object v : values) if ((byShape ? scene.count((Shape) v) : scene.count((Colour) v)) == n) with.add(v);
                Object v = rng.pick(with);
                String what = byShape ? ((Shape) v).plural() : ((Colour) v).word() + " objects";
                yield new String[] {Texts.sentence("how many " + what + " are there", '?'), Numbers.word(n)};
            }
            case EXIST -> {
                boolean yes = rng.nextBoolean();
                Colour c;
                Shape sh;
                if (yes) {
                    SceneObject o = rng.pick(scene.objects());
                    c = o.colour();
                    sh = o.shape();
                } else {
                    List<Object[]> absent = new ArrayList<>(), near = new ArrayList<>();
                    for (Colour cc : s.colourList())
                        for (Shape ss : s.shapeList()) {
                            if (scene.has(cc, ss)) continue;
                            absent.add(new Object[] {cc, ss});
                            if (scene.count(cc) > 0 || scene.count(ss) > 0) near.add(new Object[] {cc, ss});
                        }
                    if (absent.isEmpty()) yield null;
                    Object[] pick = !near.isEmpty() && rng.nextBoolean() ? rng.pick(near) : rng.pick(absent);
                    c = (Colour) pick[0];
                    sh = (Shape) pick[1];
                }
                yield new String[] {Texts.sentence("is there a " + c.word() + " " + sh.word(), '?'), yes ? "yes" : "no"};
            }
        };
    }

    /**
     * A uniformly chosen object that one of the descriptions picks out alone: {description, index}.
     * The shortest unique description is used, or (one time in three) a longer unique one.
     */
    private static String[] referTo(Scene scene, Rng rng, Ref... refs) {
        List<String[]> candidates = new ArrayList<>();
        for (int i = 0; i < scene.size(); i++) {
            SceneObject o = scene.objects().get(i);
            List<String> unique = new ArrayList<>();
            for (Ref r : refs) if (unique(scene, o, r)) unique.add(words(o, r));
            if (unique.isEmpty()) continue;
            candidates.add(new String[] {unique.get(0), Integer.toString(i), unique.size() > 1 ? unique.get(1) : null});
        }
        if (candidates.isEmpty()) return null;
        String[] c = rng.pick(candidates);
        boolean longer = c[2] != null && rng.nextInt(3) == 0;
        return new String[] {longer ? c[2] : c[0], c[1]};
    }

    private static boolean unique(Scene scene, SceneObject target, Ref r) {
        return scene.count(o -> (!r.size || o.size() == target.size()) && (!r.colour || o.colour() == target.colour())
                && (!r.shape || o.shape() == target.shape())) == 1;
    }

    private static String words(SceneObject o, Ref r) {
        List<String> w = new ArrayList<>();
        if (r.size) w.add(o.size().word());
        if (r.colour) w.add(o.colour().word());
        if (r.shape) w.add(o.shape().word());
        return String.join(" ", w);
    }
}
