package dev.eve.models.data.image;

import java.util.Objects;

/**
 * An 8-bit RGB image: {@code width x height} pixels packed row by row, three bytes per pixel (R, G,
 * B), like a numpy {@code uint8} array of shape {@code (height, width, 3)} ({@code np.array(pil_img)}).
 *
 * <p>The pixel array is shared, not copied: operations in this package never modify their input
 * and always return a new image, but a caller that writes into {@link #pixels()} changes the image.
 */
public final class RgbImage {

    private final int width;
    private final int height;
    private final byte[] pixels;

    /** Wraps {@code pixels} (length {@code width * height * 3}, HWC RGB) without copying. */
    public RgbImage(int width, int height, byte[] pixels) {
        if (width <= 0 || height <= 0)
            throw new IllegalArgumentException("image size must be positive, got " + width + " x " + height);
        Objects.requireNonNull(pixels, "pixels");
        if ((long) width * height * 3 != pixels.length)
            throw new IllegalArgumentException("a " + width + " x " + height + " RGB image needs "
                    + (long) width * height * 3 + " bytes, got " + pixels.length);
        this.width = width;
        this.height = height;
        this.pixels = pixels;
    }

    /** A new black image. */
    public static RgbImage blank(int width, int height) {
        return new RgbImage(width, height, new byte[Math.multiplyExact(Math.multiplyExact(width, height), 3)]);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The packed HWC RGB bytes (shared, not a copy). */
    public byte[] pixels() {
        return pixels;
    }

    /** Channel {@code c} (0 = R, 1 = G, 2 = B) of pixel ({@code x}, {@code y}), 0..255. */
    public int get(int x, int y, int c) {
        return pixels[(y * width + x) * 3 + c] & 0xFF;
    }

    /** The sub-image {@code [left, left + w) x [top, top + h)}, which must lie inside this image (PIL's crop). */
    public RgbImage crop(int left, int top, int w, int h) {
        if (left < 0 || top < 0 || w <= 0 || h <= 0 || left + w > width || top + h > height)
            throw new IllegalArgumentException("crop (" + left + ", " + top + ") " + w + " x " + h
                    + " does not lie inside a " + width + " x " + height + " image");
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            System.arraycopy(pixels, ((top + y) * width + left) * 3, out, y * w * 3, w * 3);
        return new RgbImage(w, h, out);
    }

    /** The sum of all bytes (the reference fixtures' {@code decoded_sum}). */
    public long byteSum() {
        long s = 0;
        for (byte b : pixels) s += b & 0xFF;
        return s;
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + " x " + height + "]";
    }
}
