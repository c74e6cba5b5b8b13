package dev.eve.models.data.image;

/**
 * Pillow's resampling filters ({@code Image.BOX}, {@code BILINEAR}, {@code HAMMING}, {@code BICUBIC},
 * {@code LANCZOS}): a kernel and its support in source pixels (before scaling for downsampling).
 */
public enum ResampleFilter {
    /** Box: each output pixel averages the source pixels it covers. */
    BOX(0.5) {
        @Override
        double weight(double x) {
            return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
        }
    },
    /** Triangle (linear interpolation, antialiased when shrinking). */
    BILINEAR(1.0) {
        @Override
        double weight(double x) {
            x = Math.abs(x);
            return x < 1.0 ? 1.0 - x : 0.0;
        }
    },
    /** Hamming-windowed sinc of support 1. */
    HAMMING(1.0) {
        @Override
        double weight(double x) {
            x = Math.abs(x);
            if (x == 0.0) return 1.0;
            if (x >= 1.0) return 0.0;
            x *= Math.PI;
            // Pillow writes the window constants as C floats: 0.54f and 0.46f.
            return Math.sin(x) / x * (0.54f + 0.46f * Math.cos(x));
        }
    },
    /** Keys' cubic convolution with a = -0.5 (what torchvision's {@code BICUBIC} means on PIL images). */
    BICUBIC(2.0) {
        @Override
        double weight(double x) {
            final double a = -0.5;
            x = Math.abs(x);
            if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
            if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
            return 0.0;
        }
    },
    /** Lanczos-3 (sinc windowed by sinc). */
    LANCZOS(3.0) {
        @Override
        double weight(double x) {
            return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
        }
    };

    private final double support;

    ResampleFilter(double support) {
        this.support = support;
    }

    /** Half-width of the kernel, in source pixels, for a scale of 1. */
    public double support() {
        return support;
    }

    /** The kernel at distance {@code x} (in source pixels, scaled by the downsampling factor). */
    abstract double weight(double x);

    private static double sinc(double x) {
        if (x == 0.0) return 1.0;
        x *= Math.PI;
        return Math.sin(x) / x;
    }
}
