package dev.eve.models.data.image;

import dev.eve.core.tensor.Generator;

/** torchvision's {@code RandomHorizontalFlip(p)}: mirrors left-right with probability {@code p}. */
public final class HorizontalFlip implements ImageTransform {

    private final double p;

    public HorizontalFlip(double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("flip probability must be in [0, 1], got " + p);
        this.p = p;
    }

    /** {@code RandomHorizontalFlip()}: p = 0.5. */
    public HorizontalFlip() {
        this(0.5);
    }

    @Override
    public RgbImage apply(RgbImage image, Generator gen) {
        return gen.nextDouble() < p ? flip(image) : image; // torch.rand(1) < p
    }

    /** The mirror image ({@code Image.transpose(FLIP_LEFT_RIGHT)}). */
    public static RgbImage flip(RgbImage image) {
        int w = image.width(), h = image.height();
        byte[] in = image.pixels(), out = new byte[in.length];
        for (int y = 0; y < h; y++) {
            int row = y * w * 3;
            for (int x = 0; x < w; x++) {
                int s = row + x * 3, d = row + (w - 1 - x) * 3;
                out[d] = in[s];
                out[d + 1] = in[s + 1];
                out[d + 2] = in[s + 2];
            }
        }
        return new RgbImage(w, h, out);
    }
}
