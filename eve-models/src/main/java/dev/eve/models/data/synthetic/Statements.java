package dev.eve.models.data.synthetic;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * NLVR2-style statements. The statement is drawn first, then its label (True or False with equal
 * odds), then image pairs until the statement has that label: the text alone carries no information
 * about the label, and both labels are equally frequent within every family.
 */
final class Statements {

    /** Image pairs tried per statement before another statement is drawn. */
    private static final int PAIR_TRIES = 2000;

    private Statements() {}

    /** A statement: its family, written form and truth on a (left, right) pair. */
    record Statement(StatementType type, String raw, Truth truth) {}

    interface Truth {
        boolean test(Scene left, Scene right);
    }

    /** The drawn statement with its label and the scenes that make it so. */
    record Drawn(Statement statement, boolean label, Scene left, Scene right) {}

    static Drawn draw(Settings s, Rng rng) {
        List<StatementType> types = new ArrayList<>(s.statementTypes());
        for (int round = 0; round < 200; round++) {
            Statement st = statement(rng.pick(types), s, rng);
            boolean label = rng.nextBoolean();
            for (int t = 0; t < PAIR_TRIES; t++) {
                Scene l = SyntheticScenes.draw(s, rng), r = SyntheticScenes.draw(s, rng);
                if (st.truth().test(l, r) == label) return new Drawn(st, label, l, r);
            }
        }
        throw new IllegalStateException("no NLVR2 statement could be made true and false with these settings: " + s);
    }

    /** What a statement counts in one image, with its words. */
    private record Counted(String singular, String plural, ToIntFunction<Scene> count) {}

    private static Counted counted(int kind, Settings s, Rng rng) {
        return switch (kind) {
            case 0 -> {
                Shape sh = rng.pick(s.shapeList());
                yield new Counted(sh.word(), sh.plural(), sc -> sc.count(sh));
            }
            case 1 -> {
                Colour c = rng.pick(s.colourList());
                yield new Counted(c.word() + " object", c.word() + " objects", sc -> sc.count(c));
            }
            case 2 -> {
                Shape sh = rng.pick(s.shapeList());
                Colour c = rng.pick(s.colourList());
                yield new Counted(c.word() + " " + sh.word(), c.word() + " " + sh.plural(), sc -> sc.count(c, sh));
            }
            default -> new Counted("object", "objects", Scene::size);
        };
    }

    static Statement statement(StatementType type, Settings s, Rng rng) {
        return switch (type) {
            case EXIST_SIDE, COLOUR_SIDE -> {
                Counted what = counted(type == StatementType.EXIST_SIDE ? 2 : 1, s, rng);
                boolean left = rng.nextBoolean();
                String side = left ? "left" : "right";
                String text = rng.nextBoolean() ? "there is a " + what.singular() + " in the " + side + " image"
                        : "the " + side + " image contains a " + what.singular();
                yield new Statement(type, Texts.sentence(text, '.'), (l, r) -> what.count().applyAsInt(left ? l : r) > 0);
            }
            case BOTH -> {
                Counted what = counted(rng.nextInt(3), s, rng);
                yield new Statement(type, Texts.sentence("both images contain a " + what.singular(), '.'),
                        (l, r) -> what.count().applyAsInt(l) > 0 && what.count().applyAsInt(r) > 0);
            }
            case NEITHER -> {
                Counted what = counted(rng.nextInt(3), s, rng);
                yield new Statement(type, Texts.sentence("neither image contains a " + what.singular(), '.'),
                        (l, r) -> what.count().applyAsInt(l) == 0 && what.count().applyAsInt(r) == 0);
            }
            case COMPARE -> {
                Counted what = counted(rng.nextInt(2), s, rng);
                boolean left = rng.nextBoolean(), more = rng.nextBoolean();
                String a = left ? "left" : "right", b = left ? "right" : "left";
                String text = "the " + a + " image has " + (more ? "more " : "fewer ") + what.plural() + " than the " + b + " image";
                yield new Statement(type, Texts.sentence(text, '.'), (l, r) -> {
                    int x = what.count().applyAsInt(left ? l : r), y = what.count().applyAsInt(left ? r : l);
                    return more ? x > y : x < y;
                });
            }
            case SAME_NUMBER -> {
                int kind = rng.nextInt(5);   // shapes and colours twice as often as all objects
                Counted what = counted(kind < 2 ? 0 : kind < 4 ? 1 : 3, s, rng);
                yield new Statement(type, Texts.sentence("the two images have the same number of " + what.plural(), '.'),
                        (l, r) -> what.count().applyAsInt(l) == what.count().applyAsInt(r));
            }
            case TOTAL -> {
                Counted what = counted(rng.nextInt(2), s, rng);
                int n = rng.between(1, Math.min(Numbers.WORDS.size() - 1, 2 * s.maxObjects()));
                String text = n == 1 ? "there is one " + what.singular() + " in total"
                        : "there are " + Numbers.word(n) + " " + what.plural() + " in total";
                yield new Statement(type, Texts.sentence(text, '.'),
                        (l, r) -> what.count().applyAsInt(l) + what.count().applyAsInt(r) == n);
            }
        };
    }
}
