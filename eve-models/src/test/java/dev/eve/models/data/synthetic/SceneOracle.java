package dev.eve.models.data.synthetic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An independent reading of the synthetic texts: parses a (cleaned) question or statement with regular
 * expressions and evaluates it on scenes, without any of the generator's code paths.
 */
final class SceneOracle {

    private SceneOracle() {}

    /** A noun phrase such as "large red circle", "red object", "circles", "objects" as a predicate. */
    static Predicate<SceneObject> phrase(String words) {
        Predicate<SceneObject> p = o -> true;
        for (String w : words.trim().split(" ")) {
            Predicate<SceneObject> q = word(w);
            p = p.and(q);
        }
        return p;
    }

    private static Predicate<SceneObject> word(String w) {
        for (Size s : Size.values()) if (s.word().equals(w)) return o -> o.size() == s;
        for (Colour c : Colour.values()) if (c.word().equals(w)) return o -> o.colour() == c;
        for (Shape s : Shape.values()) if (s.word().equals(w) || s.plural().equals(w)) return o -> o.shape() == s;
        if (w.equals("object") || w.equals("objects")) return o -> true;
        throw new AssertionError("not a noun-phrase word: '" + w + "'");
    }

    static int count(Scene s, String words) {
        return s.count(phrase(words));
    }

    /** The one object a description refers to; fails unless exactly one matches. */
    static SceneObject the(Scene s, String words) {
        List<SceneObject> m = new ArrayList<>();
        for (SceneObject o : s.objects()) if (phrase(words).test(o)) m.add(o);
        if (m.size() != 1) throw new AssertionError("'the " + words + "' matches " + m.size() + " objects in " + s.objects());
        return m.get(0);
    }

    static int number(String w) {
        int i = Arrays.asList("zero", "one", "two", "three", "four").indexOf(w);
        if (i < 0) throw new AssertionError("not a number word: " + w);
        return i;
    }

    static String numberWord(int n) {
        return List.of("zero", "one", "two", "three", "four").get(n);
    }

    private static Matcher m(String regex, String text) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.matches() ? m : null;
    }

    /** The answer to a cleaned question. */
    static String answer(Scene s, String q) {
        Matcher m;
        if ((m = m("how many objects are there", q)) != null) return numberWord(s.size());
        if ((m = m("how many (\\w+ objects|\\w+) are there", q)) != null) return numberWord(count(s, m.group(1)));
        if ((m = m("is there a (\\w+ \\w+)", q)) != null) return count(s, m.group(1)) > 0 ? "yes" : "no";
        if ((m = m("what color is the ([\\w ]+)", q)) != null || (m = m("what is the color of the ([\\w ]+)", q)) != null)
            return the(s, m.group(1)).colour().word();
        if ((m = m("what shape is the ([\\w ]+)", q)) != null || (m = m("what is the shape of the ([\\w ]+)", q)) != null)
            return the(s, m.group(1)).shape().word();
        if ((m = m("where is the ([\\w ]+)", q)) != null) return the(s, m.group(1)).cell().words();
        if ((m = m("what size is the ([\\w ]+)", q)) != null) return the(s, m.group(1)).size().word();
        throw new AssertionError("unparsed question: " + q);
    }

    /** The truth of a cleaned statement about a pair. */
    static boolean truth(Scene left, Scene right, String t) {
        Matcher m;
        if ((m = m("there is a (\\w+ \\w+) in the (left|right) image", t)) != null)
            return count(m.group(2).equals("left") ? left : right, m.group(1)) > 0;
        if ((m = m("the (left|right) image contains a (\\w+ \\w+)", t)) != null)
            return count(m.group(1).equals("left") ? left : right, m.group(2)) > 0;
        if ((m = m("both images contain a ([\\w ]+)", t)) != null)
            return count(left, m.group(1)) > 0 && count(right, m.group(1)) > 0;
        if ((m = m("neither image contains a ([\\w ]+)", t)) != null)
            return count(left, m.group(1)) == 0 && count(right, m.group(1)) == 0;
        if ((m = m("the (left|right) image has (more|fewer) ([\\w ]+) than the (left|right) image", t)) != null) {
            Scene a = m.group(1).equals("left") ? left : right, b = m.group(4).equals("left") ? left : right;
            if (a == b) throw new AssertionError("compares an image with itself: " + t);
            int x = count(a, m.group(3)), y = count(b, m.group(3));
            return m.group(2).equals("more") ? x > y : x < y;
        }
        if ((m = m("the two images have the same number of ([\\w ]+)", t)) != null)
            return count(left, m.group(1)) == count(right, m.group(1));
        if ((m = m("there is one ([\\w ]+) in total", t)) != null) return count(left, m.group(1)) + count(right, m.group(1)) == 1;
        if ((m = m("there are (\\w+) ([\\w ]+) in total", t)) != null)
            return count(left, m.group(2)) + count(right, m.group(2)) == number(m.group(1));
        throw new AssertionError("unparsed statement: " + t);
    }

    /** One noun phrase of a caption: how many, and what. */
    record Phrase(int n, Predicate<SceneObject> what, String text) {}

    /**
     * Parses a cleaned caption into its noun phrases ("a large red circle in the top left", "two
     * squares", ...) after an optional prefix ("a picture of", "there is", "there are", "three objects").
     */
    static List<Phrase> phrases(Scene s, String caption) {
        List<String> w = new ArrayList<>(Arrays.asList(caption.split(" ")));
        if (w.size() >= 3 && w.subList(0, 3).equals(List.of("a", "picture", "of"))) w.subList(0, 3).clear();
        else if (w.size() >= 2 && w.get(0).equals("there") && (w.get(1).equals("is") || w.get(1).equals("are"))) w.subList(0, 2).clear();
        else if (w.size() >= 3 && (w.get(1).equals("object") || w.get(1).equals("objects")) && !w.get(0).equals("a")) {
            if (number(w.get(0)) != s.size()) throw new AssertionError("'" + caption + "' counts " + w.get(0) + " objects in " + s.objects());
            w.subList(0, 2).clear();
        }
        List<Phrase> out = new ArrayList<>();
        int i = 0;
        while (i < w.size()) {
            if (w.get(i).equals("and")) i++;
            int n = w.get(i).equals("a") ? 1 : number(w.get(i));
            int start = i++;
            Predicate<SceneObject> what = o -> true;
            while (i < w.size() && !w.get(i).equals("and") && !w.get(i).equals("a") && !w.get(i).equals("in")
                    && !Arrays.asList("two", "three", "four").contains(w.get(i))) {
                what = what.and(word(w.get(i)));
                i++;
            }
            if (i + 3 < w.size() && w.get(i).equals("in")) {
                if (!w.get(i + 1).equals("the")) throw new AssertionError("bad position in " + caption);
                String cell = w.get(i + 2) + " " + w.get(i + 3);
                what = what.and(o -> o.cell().words().equals(cell));
                i += 4;
            }
            out.add(new Phrase(n, what, String.join(" ", w.subList(start, i))));
        }
        return out;
    }

    /** Whether the phrases account for every object exactly once (a perfect assignment exists). */
    static boolean describesExactly(Scene s, List<Phrase> phrases) {
        int total = phrases.stream().mapToInt(Phrase::n).sum();
        return total == s.size() && assign(s, phrases, 0, 0, new boolean[s.size()]);
    }

    private static boolean assign(Scene s, List<Phrase> phrases, int p, int used, boolean[] taken) {
        if (p == phrases.size()) return true;
        Phrase ph = phrases.get(p);
        if (used == ph.n()) return assign(s, phrases, p + 1, 0, taken);
        for (int i = 0; i < s.size(); i++) {
            if (taken[i] || !ph.what().test(s.objects().get(i))) continue;
            taken[i] = true;
            if (assign(s, phrases, p, used + 1, taken)) return true;
            taken[i] = false;
        }
        return false;
    }
}
