package dev.eve.models.data.synthetic;

/**
 * One drawn object. Geometry is in unit coordinates (x to the right, y down, the image is
 * {@code [0, 1] x [0, 1]}), so a scene renders at any resolution: the object fits in the square of
 * side {@code extent} centred on ({@code x}, {@code y}), which lies inside its {@link Cell}.
 * {@code red}, {@code green}, {@code blue} is the exact fill (the colour's nominal value jittered by a
 * few levels).
 */
public record SceneObject(Shape shape, Colour colour, Size size, Cell cell, double x, double y, double extent,
                          int red, int green, int blue) {

    public SceneObject {
        if (!(extent > 0 && extent <= 0.5)) throw new IllegalArgumentException("extent must be in (0, 0.5], got " + extent);
        if (Math.abs(x - cell.centerX()) + extent / 2 > 0.25 + 1e-9 || Math.abs(y - cell.centerY()) + extent / 2 > 0.25 + 1e-9)
            throw new IllegalArgumentException("object at (" + x + ", " + y + ") of extent " + extent + " leaves its cell " + cell);
    }

    /** "large red circle" (with the size) or "red circle". */
    public String describe(boolean withSize) {
        return (withSize ? size.word() + " " : "") + colour.word() + " " + shape.word();
    }

    /**
     * Whether the point ({@code px}, {@code py}) in unit coordinates is inside the shape. Circles have
     * diameter {@code extent}; squares side {@code 0.86 extent}; triangles point up with the apex at the
     * top of the box and the base at {@code 0.875} of its height; crosses have arms a third as thick as long.
     */
    public boolean contains(double px, double py) {
        double h = extent / 2;
        double dx = px - x, dy = py - y;
        return switch (shape) {
            case CIRCLE -> dx * dx + dy * dy <= h * h;
            case SQUARE -> Math.abs(dx) <= 0.86 * h && Math.abs(dy) <= 0.86 * h;
            case TRIANGLE -> {
                double top = -h, bottom = 0.75 * h;
                if (dy < top || dy > bottom) yield false;
                double halfWidth = h * (dy - top) / (bottom - top);
                yield Math.abs(dx) <= halfWidth;
            }
            case CROSS -> {
                double t = h / 3;
                yield (Math.abs(dx) <= h && Math.abs(dy) <= t) || (Math.abs(dx) <= t && Math.abs(dy) <= h);
            }
        };
    }

    /** The exact area of the shape in unit coordinates (for checks of the rasterizer). */
    public double area() {
        double h = extent / 2;
        return switch (shape) {
            case CIRCLE -> Math.PI * h * h;
            case SQUARE -> (1.72 * h) * (1.72 * h);
            case TRIANGLE -> 0.5 * (2 * h) * (1.75 * h);
            case CROSS -> {
                double t = h / 3;
                yield 2 * (2 * h) * (2 * t) - (2 * t) * (2 * t);
            }
        };
    }
}
