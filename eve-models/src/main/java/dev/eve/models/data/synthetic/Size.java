package dev.eve.models.data.synthetic;

/** Object sizes: large objects are about twice as wide as small ones. */
public enum Size {
    SMALL("small", 0.19, 0.23),
    LARGE("large", 0.38, 0.44);

    private final String word;
    private final double minExtent, maxExtent;

    Size(String word, double minExtent, double maxExtent) {
        this.word = word;
        this.minExtent = minExtent;
        this.maxExtent = maxExtent;
    }

    public String word() {
        return word;
    }

    /** The smallest width of an object of this size, as a fraction of the image width. */
    public double minExtent() {
        return minExtent;
    }

    /** The largest width, as a fraction of the image width (a cell is half the image). */
    public double maxExtent() {
        return maxExtent;
    }
}
