package dev.eve.models.data.image;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Hand-computed resizes and invariants; the bit-exact comparison with Pillow is {@link PilParityTest}. */
class PilResizeTest {

    /**
     * Bilinear 2 -> 4 (scale 0.5, support 1): centres 0.25, 0.75, 1.25, 1.75 give the taps
     * {a}, {0.75 a + 0.25 b}, {0.25 a + 0.75 b}, {b}; with a = 0, b = 100 and the fixed-point
     * rounding (x + 2^21) >> 22: 25.5 -> 25, 75.5 -> 75.
     */
    @Test
    void bilinearUpscaleByHand() {
        RgbImage src = ImageFixtures.image(2, 1, (x, y, c) -> x == 0 ? 0 : 100);
        RgbImage out = PilResize.resize(src, 4, 1, ResampleFilter.BILINEAR);
        int[] row = new int[4];
        for (int x = 0; x < 4; x++) row[x] = out.get(x, 0, 0);
        assertArrayEquals(new int[] {0, 25, 75, 100}, row);
    }

    /**
     * Bicubic 4 -> 2 (scale 2: support 4, kernel stretched by 2): output 0 is centred at 1 and takes
     * source pixels 0..3 at distances -0.25, 0.25, 0.75, 1.25 (in kernel units), weights 0.8671875,
     * 0.8671875, 0.2265625, -0.0703125 over their sum 1.890625.
     */
    @Test
    void bicubicDownscaleByHand() {
        int[] v = {10, 50, 200, 90};
        RgbImage src = ImageFixtures.image(4, 1, (x, y, c) -> v[x]);
        RgbImage out = PilResize.resize(src, 2, 1, ResampleFilter.BICUBIC);
        double[] w = {0.8671875, 0.8671875, 0.2265625, -0.0703125};
        double sum = 0, acc = 0;
        for (double x : w) sum += x;
        for (int i = 0; i < 4; i++) acc += v[i] * w[i] / sum;
        assertEquals((int) Math.floor(acc + 0.5), out.get(0, 0, 0), "acc = " + acc);
    }

    @Property(tries = 60)
    void constantImagesStayConstant(@ForAll @IntRange(min = 1, max = 40) int w, @ForAll @IntRange(min = 1, max = 40) int h,
                                    @ForAll @IntRange(min = 1, max = 90) int ow, @ForAll @IntRange(min = 1, max = 90) int oh,
                                    @ForAll @IntRange(min = 0, max = 255) int value, @ForAll ResampleFilter filter) {
        RgbImage out = PilResize.resize(ImageFixtures.image(w, h, (x, y, c) -> value), ow, oh, filter);
        assertEquals(ow, out.width());
        assertEquals(oh, out.height());
        for (byte b : out.pixels()) assertEquals(value, b & 0xFF);
    }

    /** A separable filter: an image constant along x stays constant along x (and the same for y). */
    @Property(tries = 40)
    void rowsOfAColumnGradientStayFlat(@ForAll @IntRange(min = 1, max = 30) int w, @ForAll @IntRange(min = 2, max = 30) int h,
                                       @ForAll @IntRange(min = 1, max = 70) int ow, @ForAll @IntRange(min = 1, max = 70) int oh) {
        RgbImage out = PilResize.resize(ImageFixtures.image(w, h, (x, y, c) -> y * 255 / (h - 1)), ow, oh, ResampleFilter.BICUBIC);
        for (int y = 0; y < oh; y++)
            for (int x = 1; x < ow; x++) assertEquals(out.get(0, y, 0), out.get(x, y, 0));
    }

    /** The vectorised passes against a plain scalar transcription of Pillow's loops, on random images. */
    @Property(tries = 60)
    void matchesAScalarReference(@ForAll @IntRange(min = 1, max = 70) int w, @ForAll @IntRange(min = 1, max = 50) int h,
                                 @ForAll @IntRange(min = 1, max = 90) int ow, @ForAll @IntRange(min = 1, max = 60) int oh,
                                 @ForAll ResampleFilter filter, @ForAll long seed) {
        java.util.Random rnd = new java.util.Random(seed);
        RgbImage src = ImageFixtures.image(w, h, (x, y, c) -> rnd.nextInt(256));
        assertArrayEquals(reference(src, ow, oh, filter).pixels(), PilResize.resize(src, ow, oh, filter).pixels());
    }

    private static RgbImage reference(RgbImage src, int ow, int oh, ResampleFilter filter) {
        int w = src.width(), h = src.height();
        int[][] img = new int[h][w * 3];
        for (int y = 0; y < h; y++) for (int i = 0; i < w * 3; i++) img[y][i] = src.pixels()[y * w * 3 + i] & 0xFF;
        if (ow != w) {
            PilResize.Coefficients c = PilResize.Coefficients.of(w, ow, filter);
            int[][] tmp = new int[h][ow * 3];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < ow; x++)
                    for (int ch = 0; ch < 3; ch++) {
                        int acc = 1 << 21;
                        for (int t = 0; t < c.count[x]; t++) acc += img[y][(c.start[x] + t) * 3 + ch] * c.weights[x * c.ksize + t];
                        tmp[y][x * 3 + ch] = Math.max(0, Math.min(255, acc >> 22));
                    }
            img = tmp;
        }
        if (oh != h) {
            PilResize.Coefficients c = PilResize.Coefficients.of(h, oh, filter);
            int[][] tmp = new int[oh][img[0].length];
            for (int y = 0; y < oh; y++)
                for (int i = 0; i < img[0].length; i++) {
                    int acc = 1 << 21;
                    for (int t = 0; t < c.count[y]; t++) acc += img[c.start[y] + t][i] * c.weights[y * c.ksize + t];
                    tmp[y][i] = Math.max(0, Math.min(255, acc >> 22));
                }
            img = tmp;
        }
        byte[] out = new byte[ow * oh * 3];
        for (int y = 0; y < oh; y++) for (int i = 0; i < ow * 3; i++) out[y * ow * 3 + i] = (byte) img[y][i];
        return new RgbImage(ow, oh, out);
    }

    @Test
    void sameSizeIsACopy() {
        RgbImage src = ImageFixtures.image(5, 4, (x, y, c) -> x * 40 + y + c);
        RgbImage out = PilResize.resize(src, 5, 4, ResampleFilter.BICUBIC);
        assertNotSame(src.pixels(), out.pixels());
        assertArrayEquals(src.pixels(), out.pixels());
    }

    @Test
    void rejectsEmptyTargets() {
        RgbImage src = RgbImage.blank(3, 3);
        assertThrows(IllegalArgumentException.class, () -> PilResize.resize(src, 0, 3, ResampleFilter.BICUBIC));
    }
}
