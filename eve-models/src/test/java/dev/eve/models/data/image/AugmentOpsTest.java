package dev.eve.models.data.image;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The original randaugment.py ops on small hand-made images, with hand-computed expectations. */
class AugmentOpsTest {

    private static final int FILL = 128;

    @Test
    void flipMirrorsRows() {
        RgbImage img = ImageFixtures.image(3, 2, (x, y, c) -> 10 * x + 100 * y + c);
        RgbImage out = HorizontalFlip.flip(img);
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 3; x++)
                for (int c = 0; c < 3; c++) assertEquals(img.get(2 - x, y, c), out.get(x, y, c));
    }

    /**
     * R spans 0..200: stretched by 255 / 200 and truncated (100 -> 127; 200 -> 254, since 200 * 1.275
     * is 254.99999999999997 in double, as in numpy and Pillow). G spans 50..150:
     * the original's {@code -low} on a uint8 wraps, so the whole channel turns 255. B is constant: unchanged.
     */
    @Test
    void autoContrastAsTheOriginalComputesIt() {
        int[] r = {0, 100, 200}, g = {50, 100, 150};
        RgbImage img = ImageFixtures.image(3, 1, (x, y, c) -> c == 0 ? r[x] : c == 1 ? g[x] : 77);
        RgbImage out = AugmentOps.autoContrast(img);
        assertArrayEquals(new int[] {0, 127, 254}, channel(out, 0));
        assertArrayEquals(new int[] {255, 255, 255}, channel(out, 1));
        assertArrayEquals(new int[] {77, 77, 77}, channel(out, 2));
    }

    @Property(tries = 50)
    void autoContrastStretchesWhenTheMinimumIsZero(@ForAll @IntRange(min = 1, max = 255) int max) {
        RgbImage img = ImageFixtures.image(4, 1, (x, y, c) -> x == 0 ? 0 : x == 3 ? max : max / 2);
        int[] out = channel(AugmentOps.autoContrast(img), 0);
        assertEquals(0, out[0]);
        assertEquals((int) (max * (255.0 / max)), out[3]); // 255, or 254 where the double product falls short
        assertEquals(true, out[3] >= 254);
        assertEquals((int) ((max / 2) * (255.0 / max)), out[1]);
    }

    /**
     * 600 pixels, half 10 and half 20: step = (600 - 300) // 255 = 1, so 10 -> (0 + 0) // 1 = 0 and
     * 20 -> (0 + 300) // 1 = 300, clamped to 255. With fewer than 256 + 1 pixels in all but the
     * top value the step is 0 and the channel is unchanged.
     */
    @Test
    void equalizeByHand() {
        RgbImage img = ImageFixtures.image(600, 1, (x, y, c) -> x < 300 ? 10 : 20);
        int[] out = channel(AugmentOps.equalize(img), 1);
        assertEquals(0, out[0]);
        assertEquals(255, out[599]);
        RgbImage small = ImageFixtures.image(10, 1, (x, y, c) -> x * 3);
        assertArrayEquals(small.pixels(), AugmentOps.equalize(small).pixels());
    }

    @Test
    void brightnessIsAFloat32TableTruncated() {
        RgbImage img = ImageFixtures.image(4, 1, (x, y, c) -> new int[] {3, 100, 187, 200}[x]);
        // 3 * 1.36f = 4.08 -> 4; 100 -> 136; 187 -> 254.32 -> 254; 200 -> 272 -> 255
        assertArrayEquals(new int[] {4, 136, 254, 255}, channel(AugmentOps.brightness(img, 1.36), 0));
    }

    /**
     * A 3 x 3 image, 255 in the middle: the smoothed centre is round(255 * 5 / 13) = 98 and the
     * sharpened centre 98 + 1.36 * (255 - 98) = 311.52, which numpy's astype(uint8) wraps to
     * 311 - 256 = 55. Border pixels are kept.
     */
    @Test
    void sharpnessWrapsLikeNumpy() {
        RgbImage img = ImageFixtures.image(3, 3, (x, y, c) -> x == 1 && y == 1 ? 255 : 0);
        RgbImage out = AugmentOps.sharpness(img, 1.36);
        assertEquals(55, out.get(1, 1, 0));
        assertEquals(0, out.get(0, 0, 0));
        assertEquals(98, AugmentOps.sharpness(img, 0.0).get(1, 1, 2));
        assertArrayEquals(img.pixels(), AugmentOps.sharpness(img, 1.0).pixels());
        // A flat region is a fixed point (degenerate == img there).
        RgbImage flat = ImageFixtures.image(5, 5, (x, y, c) -> 90);
        assertArrayEquals(flat.pixels(), AugmentOps.sharpness(flat, 1.36).pixels());
    }

    /**
     * Shear of a horizontal gradient v = 10 x by 0.5: row y samples x - 0.5 y. Row 0 is unchanged,
     * row 2 moves right by one pixel (column 0 is fill), row 1 averages neighbours in OpenCV's
     * rounding: (10 (x - 1) + 10 x) / 2 + 0.5 truncated, and (128 + 0) / 2 at column 0.
     */
    @Test
    void shearXOfAGradient() {
        RgbImage img = ImageFixtures.image(6, 3, (x, y, c) -> 10 * x);
        RgbImage out = AugmentOps.shearX(img, 0.5, FILL);
        assertArrayEquals(new int[] {0, 10, 20, 30, 40, 50}, row(out, 0));
        assertArrayEquals(new int[] {64, 5, 15, 25, 35, 45}, row(out, 1));
        assertArrayEquals(new int[] {128, 0, 10, 20, 30, 40}, row(out, 2));
    }

    @Test
    void shearYIsShearXTransposed() {
        RgbImage img = ImageFixtures.image(5, 5, (x, y, c) -> 7 * x + 31 * y + c);
        RgbImage transposed = ImageFixtures.image(5, 5, (x, y, c) -> img.get(y, x, c));
        RgbImage a = AugmentOps.shearY(img, -0.21, FILL);
        RgbImage b = AugmentOps.shearX(transposed, -0.21, FILL);
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 5; x++) assertEquals(a.get(x, y, 0), b.get(y, x, 0));
    }

    /** {@code M = [[1, 0, -7], [0, 1, 0]]}: out(x) = img(x + 7); the last 7 columns are fill. */
    @Test
    void translateMovesContentLeftAndUp() {
        RgbImage img = ImageFixtures.image(10, 9, (x, y, c) -> 20 * x + y);
        RgbImage left = AugmentOps.translateX(img, 7, FILL);
        assertArrayEquals(new int[] {140, 160, 180, 128, 128, 128, 128, 128, 128, 128}, row(left, 0));
        RgbImage right = AugmentOps.translateX(img, -7, FILL);
        assertEquals(0, right.get(7, 4, 0) - 4);
        assertEquals(FILL, right.get(6, 4, 0));
        RgbImage up = AugmentOps.translateY(img, 7, FILL);
        assertEquals(img.get(3, 8, 1), up.get(3, 1, 1));
        assertEquals(FILL, up.get(3, 2, 1));
    }

    /**
     * Rotation about (W/2, H/2) in pixel coordinates: by 180 degrees out(x, y) = img(W - x, H - y),
     * so row 0 and column 0 fall outside (fill); by +90 (counter-clockwise) out(x, y) = img(W - y, x).
     */
    @Test
    void rotateBy180And90() {
        int w = 6, h = 6;
        RgbImage img = ImageFixtures.image(w, h, (x, y, c) -> 1 + 7 * x + 40 * y);
        RgbImage r180 = AugmentOps.rotate(img, 180, FILL);
        RgbImage r90 = AugmentOps.rotate(img, 90, FILL);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int e180 = x == 0 || y == 0 ? FILL : img.get(w - x, h - y, 0);
                assertEquals(e180, r180.get(x, y, 0), "180 at " + x + "," + y);
                int e90 = y == 0 ? FILL : img.get(w - y, x, 0);
                assertEquals(e90, r90.get(x, y, 0), "90 at " + x + "," + y);
            }
        }
        assertArrayEquals(img.pixels(), AugmentOps.rotate(img, 0, FILL).pixels());
    }

    @Property(tries = 30)
    void geometricOpsKeepSizeAndUseOnlyImageOrFillValues(@ForAll @IntRange(min = 1, max = 12) int w,
                                                         @ForAll @IntRange(min = 1, max = 12) int h,
                                                         @ForAll @IntRange(min = -30, max = 30) int degrees) {
        RgbImage img = ImageFixtures.image(w, h, (x, y, c) -> 200);
        for (RgbImage out : new RgbImage[] {AugmentOps.rotate(img, degrees, FILL), AugmentOps.shearX(img, degrees / 100.0, FILL),
                AugmentOps.translateY(img, degrees / 3.0, FILL)}) {
            assertEquals(w, out.width());
            assertEquals(h, out.height());
            for (byte b : out.pixels()) {
                int v = b & 0xFF;
                assertEquals(true, v >= FILL && v <= 200, "value " + v);
            }
        }
    }

    private static int[] channel(RgbImage img, int c) {
        int[] out = new int[img.width() * img.height()];
        for (int i = 0; i < out.length; i++) out[i] = img.pixels()[i * 3 + c] & 0xFF;
        return out;
    }

    private static int[] row(RgbImage img, int y) {
        int[] out = new int[img.width()];
        for (int x = 0; x < out.length; x++) out[x] = img.get(x, y, 0);
        return out;
    }
}
