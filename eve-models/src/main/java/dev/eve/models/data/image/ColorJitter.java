package dev.eve.models.data.image;

import dev.eve.core.tensor.Generator;

/**
 * torchvision's {@code ColorJitter(brightness, contrast, saturation)} (no hue) on a PIL image, as
 * torchvision 0.14 does it: draw a random order of the four adjustments ({@code randperm(4)}), then
 * the factors {@code uniform(max(0, 1 - x), 1 + x)} for brightness, contrast and saturation in that
 * order, then apply them in the drawn order with {@link PilEnhance} (hue, with no range, is skipped).
 */
public final class ColorJitter implements ImageTransform {

    private final double brightness, contrast, saturation;

    public ColorJitter(double brightness, double contrast, double saturation) {
        if (brightness < 0 || contrast < 0 || saturation < 0)
            throw new IllegalArgumentException("jitter amounts must be >= 0, got " + brightness + ", " + contrast + ", " + saturation);
        this.brightness = brightness;
        this.contrast = contrast;
        this.saturation = saturation;
    }

    /** EVE's {@code ColorJitter(0.4, 0.4, 0.4)}. */
    public static ColorJitter eve() {
        return new ColorJitter(0.4, 0.4, 0.4);
    }

    @Override
    public RgbImage apply(RgbImage image, Generator gen) {
        int[] order = {0, 1, 2, 3};
        for (int i = order.length - 1; i > 0; i--) { // a uniform random permutation
            int j = gen.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        // torchvision draws each factor as a float32 (torch.empty(1).uniform_); Pillow blends in float.
        float b = factor(gen, brightness), c = factor(gen, contrast), s = factor(gen, saturation);
        for (int op : order) {
            switch (op) {
                case 0 -> { if (brightness > 0) image = PilEnhance.brightness(image, b); }
                case 1 -> { if (contrast > 0) image = PilEnhance.contrast(image, c); }
                case 2 -> { if (saturation > 0) image = PilEnhance.saturation(image, s); }
                default -> { } // hue: not jittered
            }
        }
        return image;
    }

    private static float factor(Generator gen, double amount) {
        if (amount == 0) return 1f;
        double lo = Math.max(0, 1 - amount), hi = 1 + amount;
        return (float) (lo + (hi - lo) * gen.nextDouble());
    }
}
