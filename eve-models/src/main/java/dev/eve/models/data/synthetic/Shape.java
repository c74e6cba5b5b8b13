package dev.eve.models.data.synthetic;

/** The shapes of the synthetic scenes; the first {@link Settings#shapes()} of them are drawn. */
public enum Shape {
    CIRCLE("circle", "circles"),
    SQUARE("square", "squares"),
    TRIANGLE("triangle", "triangles"),
    CROSS("cross", "crosses");

    private final String word;
    private final String plural;

    Shape(String word, String plural) {
        this.word = word;
        this.plural = plural;
    }

    /** The singular noun ("circle"). */
    public String word() {
        return word;
    }

    /** The plural noun ("circles"). */
    public String plural() {
        return plural;
    }

    /** The noun for {@code n} of them. */
    public String noun(int n) {
        return n == 1 ? word : plural;
    }
}
