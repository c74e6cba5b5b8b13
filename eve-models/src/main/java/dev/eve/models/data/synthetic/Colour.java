package dev.eve.models.data.synthetic;

/**
 * The object colours: well separated saturated RGB values (each pair differs by more than 100 in some
 * channel); the first {@link Settings#colours()} of them are drawn. The word is the American spelling
 * used in the texts ("what color is ...").
 */
public enum Colour {
    RED("red", 220, 45, 45),
    GREEN("green", 50, 190, 70),
    BLUE("blue", 50, 90, 235),
    YELLOW("yellow", 235, 215, 50),
    PURPLE("purple", 160, 60, 215),
    WHITE("white", 235, 235, 235);

    private final String word;
    private final int red, green, blue;

    Colour(String word, int red, int green, int blue) {
        this.word = word;
        this.red = red;
        this.green = green;
        this.blue = blue;
    }

    public String word() {
        return word;
    }

    /** The nominal RGB value (objects are drawn within a few levels of it). */
    public int[] rgb() {
        return new int[] {red, green, blue};
    }
}
