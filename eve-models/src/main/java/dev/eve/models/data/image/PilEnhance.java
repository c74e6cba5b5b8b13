package dev.eve.models.data.image;

/**
 * Pillow's {@code ImageEnhance} on RGB images, which torchvision's {@code adjust_brightness},
 * {@code adjust_contrast} and {@code adjust_saturation} call for PIL images, with Pillow's
 * {@code Image.blend} arithmetic: {@code out = d + alpha * (img - d)} in C {@code float}, truncated
 * to 8 bits, clamped to 0..255 when {@code alpha} lies outside [0, 1].
 */
public final class PilEnhance {

    private PilEnhance() {}

    /** {@code ImageEnhance.Brightness(img).enhance(f)}: a blend with black. */
    public static RgbImage brightness(RgbImage image, double factor) {
        return blendConstant(image, 0, factor);
    }

    /**
     * {@code ImageEnhance.Contrast(img).enhance(f)}: a blend with the flat grey of the image's mean
     * luma, {@code int(mean(img.convert('L')) + 0.5)}.
     */
    public static RgbImage contrast(RgbImage image, double factor) {
        byte[] px = image.pixels();
        long sum = 0;
        for (int p = 0; p < px.length; p += 3) sum += luma(px[p] & 0xFF, px[p + 1] & 0xFF, px[p + 2] & 0xFF);
        int mean = (int) ((double) sum / (px.length / 3) + 0.5);
        return blendConstant(image, mean, factor);
    }

    /** {@code ImageEnhance.Color(img).enhance(f)} (saturation): a blend with {@code img.convert('L')}. */
    public static RgbImage saturation(RgbImage image, double factor) {
        float alpha = (float) factor;
        byte[] px = image.pixels(), out = new byte[px.length];
        for (int p = 0; p < px.length; p += 3) {
            int r = px[p] & 0xFF, g = px[p + 1] & 0xFF, b = px[p + 2] & 0xFF;
            int l = luma(r, g, b);
            out[p] = blend(l, r, alpha);
            out[p + 1] = blend(l, g, alpha);
            out[p + 2] = blend(l, b, alpha);
        }
        return new RgbImage(image.width(), image.height(), out);
    }

    /** Pillow's {@code convert('L')} of one pixel: ITU-R 601-2 luma in 16-bit fixed point, rounded. */
    public static int luma(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }

    private static RgbImage blendConstant(RgbImage image, int degenerate, double factor) {
        float alpha = (float) factor;
        byte[] lut = new byte[256];
        for (int v = 0; v < 256; v++) lut[v] = blend(degenerate, v, alpha);
        byte[] px = image.pixels(), out = new byte[px.length];
        for (int i = 0; i < px.length; i++) out[i] = lut[px[i] & 0xFF];
        return new RgbImage(image.width(), image.height(), out);
    }

    /** {@code ImagingBlend} for one sample: {@code in1 + alpha * (in2 - in1)} in float. */
    static byte blend(int in1, int in2, float alpha) {
        if (alpha == 0f) return (byte) in1;
        if (alpha == 1f) return (byte) in2;
        float v = in1 + alpha * (in2 - in1);
        if (alpha >= 0f && alpha <= 1f) return (byte) (int) v;
        if (v <= 0f) return 0;
        if (v >= 255f) return (byte) 255;
        return (byte) (int) v;
    }
}
