package dev.eve.models.data.synthetic;

/** Where an object is: one quadrant of the image (a 2 x 2 grid); each object of a scene has its own. */
public enum Cell {
    TOP_LEFT("top left", 0, 0),
    TOP_RIGHT("top right", 1, 0),
    BOTTOM_LEFT("bottom left", 0, 1),
    BOTTOM_RIGHT("bottom right", 1, 1);

    private final String words;
    private final int column, row;

    Cell(String words, int column, int row) {
        this.words = words;
        this.column = column;
        this.row = row;
    }

    /** "top left" and so on: the answer to "where is ...". */
    public String words() {
        return words;
    }

    /** 0 = left half, 1 = right half. */
    public int column() {
        return column;
    }

    /** 0 = top half, 1 = bottom half. */
    public int row() {
        return row;
    }

    /** The centre of the cell in unit coordinates (x right, y down). */
    public double centerX() {
        return (column + 0.5) / 2;
    }

    public double centerY() {
        return (row + 0.5) / 2;
    }
}
