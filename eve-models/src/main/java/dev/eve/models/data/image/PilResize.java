package dev.eve.models.data.image;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Pillow's {@code Image.resize((w, h), filter)} on 8-bit RGB images, reproduced bit for bit (Pillow
 * 9.4, {@code libImaging/Resample.c}); torchvision's {@code Resize} calls exactly this for PIL images.
 *
 * <p>The algorithm: a separable convolution, horizontal pass first, then vertical. For each output
 * pixel {@code i} of an axis scaled by {@code scale = in / out}, the kernel is centred at
 * {@code (i + 0.5) * scale} and, when shrinking, stretched by {@code scale} (antialiasing: support
 * {@code filter.support() * max(scale, 1)}); the taps {@code [int(center - support + 0.5), int(center
 * + support + 0.5))} (clamped to the image) get weights {@code filter((j - center + 0.5) / max(scale,
 * 1))}, normalised to sum 1 and quantised to signed fixed point with 22 fractional bits
 * ({@code PRECISION_BITS = 32 - 8 - 2}), rounding half away from zero. Each pass accumulates in
 * 32-bit integers starting from half a unit, shifts right by 22 and clamps to 0..255, so the
 * intermediate image is 8-bit, as in Pillow. The horizontal pass only computes the rows the vertical
 * pass reads. An axis whose size does not change is not resampled at all.
 *
 * <p>The vertical pass runs on the Vector API (integer lanes: the same sums, so the same bytes); the
 * horizontal pass is scalar. Single-threaded: callers parallelise over images.
 */
public final class PilResize {

    /** Fractional bits of the fixed-point weights: 32 - 8 - 2. */
    static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int HALF = 1 << (PRECISION_BITS - 1);
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Byte> BYTES =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(INTS.length() * Byte.SIZE));

    private PilResize() {}

    /** {@code image.resize((width, height), filter)}. */
    public static RgbImage resize(RgbImage image, int width, int height, ResampleFilter filter) {
        if (width <= 0 || height <= 0)
            throw new IllegalArgumentException("target size must be positive, got " + width + " x " + height);
        int inW = image.width(), inH = image.height();
        if (width == inW && height == inH) return new RgbImage(inW, inH, image.pixels().clone());
        boolean horizontal = width != inW, vertical = height != inH;

        Coefficients vert = Coefficients.of(inH, height, filter);
        int firstRow = vert.start[0];
        int lastRow = vert.start[height - 1] + vert.count[height - 1];

        byte[] src = image.pixels();
        int srcW = inW, rowOffset = 0;
        if (horizontal) {
            Coefficients horiz = Coefficients.of(inW, width, filter);
            src = horizontalPass(src, inW, firstRow, lastRow - firstRow, horiz, width);
            srcW = width;
            rowOffset = firstRow; // the temporary image starts at source row firstRow
        }
        if (!vertical) return new RgbImage(width, height, src);
        return new RgbImage(width, height, verticalPass(src, srcW, rowOffset, vert, height));
    }

    private static byte[] horizontalPass(byte[] in, int inW, int firstRow, int rows, Coefficients c, int outW) {
        byte[] out = new byte[rows * outW * 3];
        int ksize = c.ksize;
        int[] k = c.weights;
        int o = 0;
        for (int y = 0; y < rows; y++) {
            int row = (firstRow + y) * inW * 3;
            for (int x = 0; x < outW; x++) {
                int p = row + c.start[x] * 3, n = c.count[x], kk = x * ksize;
                int s0 = HALF, s1 = HALF, s2 = HALF;
                for (int t = 0; t < n; t++, p += 3) {
                    int w = k[kk + t];
                    s0 += (in[p] & 0xFF) * w;
                    s1 += (in[p + 1] & 0xFF) * w;
                    s2 += (in[p + 2] & 0xFF) * w;
                }
                out[o++] = clip8(s0);
                out[o++] = clip8(s1);
                out[o++] = clip8(s2);
            }
        }
        return out;
    }

    private static byte[] verticalPass(byte[] in, int w, int rowOffset, Coefficients c, int outH) {
        int stride = w * 3;
        byte[] out = new byte[outH * stride];
        int ksize = c.ksize;
        int[] k = c.weights;
        int lanes = INTS.length();
        for (int y = 0; y < outH; y++) {
            int first = c.start[y] - rowOffset, n = c.count[y], kk = y * ksize, o = y * stride;
            int i = 0;
            // Blocks of `lanes` samples: all taps accumulated in one register, then clip8.
            for (; i <= stride - lanes; i += lanes) {
                IntVector acc = IntVector.broadcast(INTS, HALF);
                for (int t = 0; t < n; t++) {
                    IntVector v = (IntVector) ByteVector.fromArray(BYTES, in, (first + t) * stride + i)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2I, INTS, 0);
                    acc = acc.add(v.mul(k[kk + t]));
                }
                acc = acc.lanewise(VectorOperators.ASHR, PRECISION_BITS).max(0).min(255);
                ((ByteVector) acc.convertShape(VectorOperators.I2B, BYTES, 0)).intoArray(out, o + i);
            }
            for (; i < stride; i++) {
                int acc = HALF;
                for (int t = 0; t < n; t++) acc += (in[(first + t) * stride + i] & 0xFF) * k[kk + t];
                out[o + i] = clip8(acc);
            }
        }
        return out;
    }

    /** Pillow's {@code clip8}: the accumulator's integer part, clamped to 0..255. */
    private static byte clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /** Per output pixel: the first source index, the tap count and the fixed-point weights. */
    static final class Coefficients {
        final int ksize;
        final int[] start;
        final int[] count;
        final int[] weights;

        private Coefficients(int ksize, int[] start, int[] count, int[] weights) {
            this.ksize = ksize;
            this.start = start;
            this.count = count;
            this.weights = weights;
        }

        /** Pillow's {@code precompute_coeffs} for the box {@code [0, inSize)} and {@code normalize_coeffs_8bpc}. */
        static Coefficients of(int inSize, int outSize, ResampleFilter filter) {
            double in0 = 0.0, in1 = (float) inSize; // Pillow's box is a C float
            double scale = (in1 - in0) / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support() * filterScale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            int[] start = new int[outSize], count = new int[outSize];
            int[] weights = new int[Math.multiplyExact(outSize, ksize)];
            double[] w = new double[ksize];
            double ss = 1.0 / filterScale;
            for (int i = 0; i < outSize; i++) {
                double center = in0 + (i + 0.5) * scale;
                int lo = (int) (center - support + 0.5);
                if (lo < 0) lo = 0;
                int hi = (int) (center + support + 0.5);
                if (hi > inSize) hi = inSize;
                int n = hi - lo;
                double sum = 0.0;
                for (int t = 0; t < n; t++) {
                    double v = filter.weight((t + lo - center + 0.5) * ss);
                    w[t] = v;
                    sum += v;
                }
                for (int t = 0; t < n; t++) {
                    double v = sum != 0.0 ? w[t] / sum : w[t];
                    weights[i * ksize + t] = v < 0
                            ? (int) (-0.5 + v * (1 << PRECISION_BITS))
                            : (int) (0.5 + v * (1 << PRECISION_BITS));
                }
                start[i] = lo;
                count[i] = Math.max(n, 0);
            }
            return new Coefficients(ksize, start, count, weights);
        }
    }
}
