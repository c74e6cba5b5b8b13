package dev.eve.models.data.image;

/**
 * The image operations of the original {@code dataset/randaugment.py} (ALBEF's, OpenCV/numpy on the
 * {@code uint8} HWC array of the RGB image), with the original's formulas, quirks included. Every
 * method returns a new image.
 */
public final class AugmentOps {

    private AugmentOps() {}

    /**
     * {@code autocontrast_func(img)} (cutoff 0), per channel, as the original actually computes it.
     * The intent is Pillow's {@code autocontrast}: {@code table[v] = (v - lo) * 255 / (hi - lo)},
     * truncated. But the original writes {@code offset = -low * scale} with {@code low} a numpy
     * {@code uint8} scalar, and the negation wraps ({@code -uint8(5) == 251}), so for a channel whose
     * minimum is above 0 every table entry exceeds 255 and the whole channel becomes 255. What
     * remains: a channel with {@code min == max} is unchanged; one with {@code min == 0} is stretched
     * by {@code 255 / max} (truncated); any other channel turns white. Kept, because it is what EVE
     * trained with (numpy 1.24; numpy 2 wraps the same way).
     */
    public static RgbImage autoContrast(RgbImage image) {
        byte[] px = image.pixels(), out = new byte[px.length];
        for (int c = 0; c < 3; c++) {
            int lo = 255, hi = 0;
            for (int p = c; p < px.length; p += 3) {
                int v = px[p] & 0xFF;
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            byte[] table = new byte[256];
            for (int v = 0; v < 256; v++) {
                if (hi <= lo) table[v] = (byte) v;
                else if (lo > 0) table[v] = (byte) 255; // the uint8 negation quirk, see above
                else {
                    double t = v * (255.0 / hi); // offset = -0 * scale = 0
                    table[v] = (byte) (int) Math.min(255.0, t);
                }
            }
            for (int p = c; p < px.length; p += 3) out[p] = table[px[p] & 0xFF];
        }
        return new RgbImage(image.width(), image.height(), out);
    }

    /**
     * {@code equalize_func(img)}, per channel (the same as Pillow's {@code ImageOps.equalize}): with
     * {@code step = (pixels - count of the largest present value) // 255}, a channel with step 0 is
     * unchanged, else {@code table[v] = (step // 2 + #pixels below v) // step}, clamped to 255.
     */
    public static RgbImage equalize(RgbImage image) {
        byte[] px = image.pixels(), out = new byte[px.length];
        for (int c = 0; c < 3; c++) {
            long[] hist = new long[256];
            for (int p = c; p < px.length; p += 3) hist[px[p] & 0xFF]++;
            long total = 0, last = 0;
            for (int v = 0; v < 256; v++) {
                if (hist[v] != 0) last = hist[v];
                total += hist[v];
            }
            long step = (total - last) / 255;
            byte[] table = new byte[256];
            if (step == 0) {
                for (int v = 0; v < 256; v++) table[v] = (byte) v;
            } else {
                long n = step / 2;
                for (int v = 0; v < 256; v++) {
                    table[v] = (byte) Math.min(255, n / step);
                    n += hist[v];
                }
            }
            for (int p = c; p < px.length; p += 3) out[p] = table[px[p] & 0xFF];
        }
        return new RgbImage(image.width(), image.height(), out);
    }

    /**
     * {@code brightness_func(img, factor)}: {@code table = (arange(256, float32) * factor).clip(0,
     * 255).astype(uint8)}, the product in float32, truncated.
     */
    public static RgbImage brightness(RgbImage image, double factor) {
        float f = (float) factor;
        byte[] table = new byte[256];
        for (int v = 0; v < 256; v++) table[v] = (byte) (int) Math.min(255f, Math.max(0f, v * f));
        byte[] px = image.pixels(), out = new byte[px.length];
        for (int i = 0; i < px.length; i++) out[i] = table[px[i] & 0xFF];
        return new RgbImage(image.width(), image.height(), out);
    }

    /**
     * {@code sharpness_func(img, factor)}: {@code degenerate = cv2.filter2D(img, -1, k)} with the
     * smoothing kernel {@code [[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13} (float32, rounded to uint8);
     * factor 0 gives the smoothed image, factor 1 the input; otherwise the border pixels are kept and
     * every interior pixel becomes {@code degenerate + factor * (img - degenerate)} in float32, cast
     * with numpy's {@code astype(uint8)}, which on x86 truncates toward zero and keeps the low 8 bits:
     * values past 255 or below 0 WRAP (274.8 becomes 18, -5.3 becomes 251), as in the original.
     */
    public static RgbImage sharpness(RgbImage image, double factor) {
        int w = image.width(), h = image.height();
        byte[] px = image.pixels();
        byte[] degenerate = smooth(px, w, h);
        if (factor == 0.0) return new RgbImage(w, h, degenerate);
        if (factor == 1.0) return new RgbImage(w, h, px.clone());
        float f = (float) factor;
        byte[] out = px.clone();
        int stride = w * 3;
        for (int y = 1; y < h - 1; y++) {
            for (int i = y * stride + 3; i < (y + 1) * stride - 3; i++) {
                float d = degenerate[i] & 0xFF;
                float v = d + f * ((px[i] & 0xFF) - d);
                out[i] = (byte) (int) v; // astype(uint8): truncate, then keep the low byte
            }
        }
        return new RgbImage(w, h, out);
    }

    /** {@code cv2.filter2D(img, -1, kernel)} with the 3 x 3 kernel of {@link #sharpness}; reflect-101 border. */
    static byte[] smooth(byte[] px, int w, int h) {
        final float edge = 1f / 13f, center = 5f / 13f; // np.float32 kernel divided in float32
        byte[] out = new byte[px.length];
        int stride = w * 3;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    float s = 0f;
                    for (int dy = -1; dy <= 1; dy++) {
                        int yy = reflect101(y + dy, h);
                        for (int dx = -1; dx <= 1; dx++) {
                            int xx = reflect101(x + dx, w);
                            float k = dx == 0 && dy == 0 ? center : edge;
                            s += k * (px[yy * stride + xx * 3 + c] & 0xFF);
                        }
                    }
                    int r = (int) Math.rint(s); // saturate_cast<uchar>(float): round half to even
                    out[y * stride + x * 3 + c] = (byte) Math.max(0, Math.min(255, r));
                }
            }
        }
        return out;
    }

    private static int reflect101(int i, int n) {
        if (n == 1) return 0;
        while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
        return i;
    }

    /** {@code shear_x_func(img, factor, fill)}: warp by {@code [[1, factor, 0], [0, 1, 0]]} (float32). */
    public static RgbImage shearX(RgbImage image, double factor, int fill) {
        return AffineWarp.warp(image, new double[] {1, (float) factor, 0, 0, 1, 0}, fill);
    }

    /** {@code shear_y_func(img, factor, fill)}: warp by {@code [[1, 0, 0], [factor, 1, 0]]} (float32). */
    public static RgbImage shearY(RgbImage image, double factor, int fill) {
        return AffineWarp.warp(image, new double[] {1, 0, 0, (float) factor, 1, 0}, fill);
    }

    /**
     * {@code translate_x_func(img, offset, fill)}: warp by {@code [[1, 0, -offset], [0, 1, 0]]}: the
     * content moves LEFT by {@code offset} pixels ({@code out(x, y) = img(x + offset, y)}).
     */
    public static RgbImage translateX(RgbImage image, double offset, int fill) {
        return AffineWarp.warp(image, new double[] {1, 0, -(float) offset, 0, 1, 0}, fill);
    }

    /** {@code translate_y_func(img, offset, fill)}: the content moves UP by {@code offset} pixels. */
    public static RgbImage translateY(RgbImage image, double offset, int fill) {
        return AffineWarp.warp(image, new double[] {1, 0, 0, 0, 1, -(float) offset}, fill);
    }

    /**
     * {@code rotate_func(img, degree, fill)}: {@code cv2.getRotationMatrix2D((W / 2, H / 2), degree,
     * 1)}, counter-clockwise on screen for a positive angle, about the point (W/2, H/2) in pixel
     * coordinates; the corners are filled.
     */
    public static RgbImage rotate(RgbImage image, double degrees, int fill) {
        float cx = image.width() / 2f, cy = image.height() / 2f; // cv::Point2f
        double angle = degrees * Math.PI / 180;
        double a = Math.cos(angle), b = Math.sin(angle);
        double[] m = {a, b, (1 - a) * cx - b * cy, -b, a, b * cx + (1 - a) * cy};
        return AffineWarp.warp(image, m, fill);
    }
}
