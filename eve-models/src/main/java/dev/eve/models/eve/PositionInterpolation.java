package dev.eve.models.eve;

import dev.eve.core.tensor.Tensor;

/**
 * Resizes a vision position embedding to another grid, as the original's
 * {@code interpolate_pos_embed}: the CLS row is kept, the grid rows are resampled with PyTorch's
 * bicubic interpolation ({@code align_corners=False}, cubic convolution with a = -0.75, borders
 * clamped).
 */
public final class PositionInterpolation {

    private static final double A = -0.75;

    private PositionInterpolation() {}

    /** pos [1 + g*g, H] -> [1 + n*n, H]; returned unchanged when the grid already has n per side. */
    public static Tensor interpolate(Tensor pos, int newGrid) {
        int rows = pos.size(0), h = pos.size(1);
        int old = (int) Math.round(Math.sqrt(rows - 1));
        if (old * old != rows - 1)
            throw new IllegalArgumentException("position embedding of " + rows + " rows is not CLS + a square grid");
        if (old == newGrid) return pos;
        float[] src = pos.contiguous().toFloatArray();
        float[] dst = new float[(1 + newGrid * newGrid) * h];
        System.arraycopy(src, 0, dst, 0, h);
        double scale = (double) old / newGrid;
        for (int y = 0; y < newGrid; y++) {
            double sy = (y + 0.5) * scale - 0.5;
            int iy = (int) Math.floor(sy);
            double[] wy = weights(sy - iy);
            for (int x = 0; x < newGrid; x++) {
                double sx = (x + 0.5) * scale - 0.5;
                int ix = (int) Math.floor(sx);
                double[] wx = weights(sx - ix);
                int out = (1 + y * newGrid + x) * h;
                for (int c = 0; c < h; c++) {
                    double acc = 0;
                    for (int m = 0; m < 4; m++) {
                        int yy = clamp(iy - 1 + m, old);
                        double rowAcc = 0;
                        for (int n = 0; n < 4; n++) {
                            int xx = clamp(ix - 1 + n, old);
                            rowAcc += wx[n] * src[(1 + yy * old + xx) * h + c];
                        }
                        acc += wy[m] * rowAcc;
                    }
                    dst[out + c] = (float) acc;
                }
            }
        }
        return Tensor.of(dst, 1 + newGrid * newGrid, h).to(pos.device());
    }

    private static int clamp(int i, int n) {
        return Math.max(0, Math.min(n - 1, i));
    }

    /** Cubic convolution weights for the four taps around a fractional offset t in [0, 1). */
    private static double[] weights(double t) {
        return new double[] {cubic2(t + 1), cubic1(t), cubic1(1 - t), cubic2(2 - t)};
    }

    private static double cubic1(double x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    private static double cubic2(double x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }
}
