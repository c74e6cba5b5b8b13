package dev.eve.models.data.image;

/**
 * OpenCV's {@code cv2.warpAffine(img, M, (W, H), flags=INTER_LINEAR, borderMode=BORDER_CONSTANT,
 * borderValue=fill)} on an RGB image, in OpenCV's own fixed-point arithmetic.
 *
 * <p>{@code M} maps source to destination; each destination pixel ({@code x}, {@code y}) samples the
 * source at {@code M^-1 (x, y)}. As OpenCV does: the inverse is computed in double, source
 * coordinates are accumulated in units of 1/1024 pixel ({@code AB_BITS = 10}, rounded half to even)
 * and cut to 1/32 pixel ({@code INTER_BITS = 5}); the four bilinear weights are the exact integers
 * {@code (32 - fx)(32 - fy) * 32}, ... summing to 2^15, and the weighted sum is rounded by adding
 * 2^14 and shifting right by 15. Taps outside the source read the fill value; a pixel whose four
 * taps are all outside is the fill value.
 */
final class AffineWarp {

    private static final int AB_BITS = 10, AB_SCALE = 1 << AB_BITS;
    private static final int INTER_BITS = 5, INTER_TAB_SIZE = 1 << INTER_BITS;
    private static final int COEF_BITS = 15;

    private AffineWarp() {}

    /** Warps with the forward matrix {@code m = [m00, m01, m02, m10, m11, m12]} (OpenCV's 2 x 3 layout). */
    static RgbImage warp(RgbImage src, double[] m, int fill) {
        // cv::invertAffineTransform
        double d = m[0] * m[4] - m[1] * m[3];
        d = d != 0 ? 1.0 / d : 0.0;
        double a11 = m[4] * d, a22 = m[0] * d, a12 = -m[1] * d, a21 = -m[3] * d;
        double b1 = -a11 * m[2] - a12 * m[5];
        double b2 = -a21 * m[2] - a22 * m[5];

        int w = src.width(), h = src.height();
        byte[] in = src.pixels(), out = new byte[in.length];
        int[] adelta = new int[w], bdelta = new int[w];
        for (int x = 0; x < w; x++) {
            adelta[x] = round(a11 * x * AB_SCALE);
            bdelta[x] = round(a21 * x * AB_SCALE);
        }
        int roundDelta = AB_SCALE / INTER_TAB_SIZE / 2;
        int stride = w * 3;
        int o = 0;
        for (int y = 0; y < h; y++) {
            int x0 = round((a12 * y + b1) * AB_SCALE) + roundDelta;
            int y0 = round((a22 * y + b2) * AB_SCALE) + roundDelta;
            for (int x = 0; x < w; x++, o += 3) {
                int fxFull = (x0 + adelta[x]) >> (AB_BITS - INTER_BITS);
                int fyFull = (y0 + bdelta[x]) >> (AB_BITS - INTER_BITS);
                int sx = fxFull >> INTER_BITS, sy = fyFull >> INTER_BITS;
                int fx = fxFull & (INTER_TAB_SIZE - 1), fy = fyFull & (INTER_TAB_SIZE - 1);
                int w0 = (INTER_TAB_SIZE - fx) * (INTER_TAB_SIZE - fy) * 32;
                int w1 = fx * (INTER_TAB_SIZE - fy) * 32;
                int w2 = (INTER_TAB_SIZE - fx) * fy * 32;
                int w3 = fx * fy * 32;
                if (sx >= w || sx + 1 < 0 || sy >= h || sy + 1 < 0) {
                    out[o] = out[o + 1] = out[o + 2] = (byte) fill;
                    continue;
                }
                boolean x0in = sx >= 0, x1in = sx + 1 < w, y0in = sy >= 0, y1in = sy + 1 < h;
                int p00 = sy * stride + sx * 3;
                for (int c = 0; c < 3; c++) {
                    int v0 = x0in && y0in ? in[p00 + c] & 0xFF : fill;
                    int v1 = x1in && y0in ? in[p00 + 3 + c] & 0xFF : fill;
                    int v2 = x0in && y1in ? in[p00 + stride + c] & 0xFF : fill;
                    int v3 = x1in && y1in ? in[p00 + stride + 3 + c] & 0xFF : fill;
                    int s = (v0 * w0 + v1 * w1 + v2 * w2 + v3 * w3 + (1 << (COEF_BITS - 1))) >> COEF_BITS;
                    out[o + c] = (byte) (s < 0 ? 0 : Math.min(s, 255));
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /** {@code saturate_cast<int>(double)}: round half to even, saturating. */
    private static int round(double v) {
        double r = Math.rint(v);
        if (r >= Integer.MAX_VALUE) return Integer.MAX_VALUE;
        if (r <= Integer.MIN_VALUE) return Integer.MIN_VALUE;
        return (int) r;
    }
}
