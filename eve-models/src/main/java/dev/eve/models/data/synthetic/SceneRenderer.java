package dev.eve.models.data.synthetic;

import dev.eve.models.data.image.RgbImage;

/**
 * Draws a {@link Scene} into an {@link RgbImage} with a small rasterizer of its own (no java.awt), so
 * that the pixels are bit-identical on every JDK and platform: the background colour, then each object
 * with coverage anti-aliasing (4 x 4 sample points per pixel, the colour blended by the covered
 * fraction in integer arithmetic), then uniform noise of amplitude {@code noise} on every channel of
 * every pixel (objects included), drawn from the scene's noise seed.
 */
public final class SceneRenderer {

    /** Sample points per pixel side (coverage is counted out of SS * SS). */
    private static final int SS = 4;

    private SceneRenderer() {}

    /** A {@code size x size} image of the scene; {@code noise} in 0..127 is the largest change per channel. */
    public static RgbImage render(Scene scene, int size, int noise) {
        if (size < 8 || size > 4096) throw new IllegalArgumentException("image size must be in 8..4096, got " + size);
        if (noise < 0 || noise > 127) throw new IllegalArgumentException("noise amplitude must be in 0..127, got " + noise);
        int[] rgb = new int[size * size * 3];
        for (int p = 0; p < size * size; p++) {
            rgb[3 * p] = scene.bgRed();
            rgb[3 * p + 1] = scene.bgGreen();
            rgb[3 * p + 2] = scene.bgBlue();
        }
        for (SceneObject o : scene.objects()) drawObject(o, rgb, size);
        byte[] out = new byte[rgb.length];
        int span = 2 * noise + 1;
        for (int p = 0; p < size * size; p++) {
            long bits = noise == 0 ? 0 : Rng.mix(scene.noiseSeed() + 0x9E3779B97F4A7C15L * (p + 1));
            for (int c = 0; c < 3; c++) {
                int delta = noise == 0 ? 0 : (int) (((bits >>> (21 * c)) & 0x1FFFFF) % span) - noise;
                out[3 * p + c] = (byte) Math.clamp(rgb[3 * p + c] + delta, 0, 255);
            }
        }
        return new RgbImage(size, size, out);
    }

    private static void drawObject(SceneObject o, int[] rgb, int size) {
        double h = o.extent() / 2;
        int x0 = Math.max(0, (int) Math.floor((o.x() - h) * size) - 1), x1 = Math.min(size - 1, (int) Math.ceil((o.x() + h) * size) + 1);
        int y0 = Math.max(0, (int) Math.floor((o.y() - h) * size) - 1), y1 = Math.min(size - 1, (int) Math.ceil((o.y() + h) * size) + 1);
        int full = SS * SS;
        int[] colour = {o.red(), o.green(), o.blue()};
        for (int py = y0; py <= y1; py++) {
            for (int px = x0; px <= x1; px++) {
                int covered = 0;
                for (int sy = 0; sy < SS; sy++) {
                    double uy = (py + (sy + 0.5) / SS) / size;
                    for (int sx = 0; sx < SS; sx++) {
                        double ux = (px + (sx + 0.5) / SS) / size;
                        if (o.contains(ux, uy)) covered++;
                    }
                }
                if (covered == 0) continue;
                int i = 3 * (py * size + px);
                for (int c = 0; c < 3; c++)
                    rgb[i + c] = (rgb[i + c] * (full - covered) + colour[c] * covered + full / 2) / full;
            }
        }
    }
}
