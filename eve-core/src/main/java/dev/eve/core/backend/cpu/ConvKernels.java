package dev.eve.core.backend.cpu;

import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Tensor;

import static dev.eve.core.backend.cpu.ElementwiseKernels.empty;
import static dev.eve.core.backend.cpu.ElementwiseKernels.storage;

/** im2col / col2im for NCHW images. */
final class ConvKernels {

    private ConvKernels() {}

    static Tensor unfold(Tensor x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        Tensor xc = x.contiguous();
        int b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        int oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        int rowsPerImage = c * kh * kw, l = oh * ow;
        Tensor cols = empty(DType.F32, new int[] {b, rowsPerImage, l});
        float[] xs = storage(xc).floats(), cs = storage(cols).floats();
        int xo = xc.offset();
        Parallel.forRange(b * rowsPerImage, 1, (s, e) -> {
            for (int r = s; r < e; r++) {
                int bi = r / rowsPerImage, row = r % rowsPerImage;
                int ci = row / (kh * kw), ki = (row / kw) % kh, kj = row % kw;
                int src = xo + (bi * c + ci) * h * w, dst = r * l;
                for (int y = 0; y < oh; y++) {
                    int iy = y * sh - ph + ki * dh;
                    for (int xx = 0; xx < ow; xx++) {
                        int ix = xx * sw - pw + kj * dw;
                        cs[dst + y * ow + xx] = iy >= 0 && iy < h && ix >= 0 && ix < w ? xs[src + iy * w + ix] : 0f;
                    }
                }
            }
        });
        return cols;
    }

    static Tensor fold(Tensor cols, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        Tensor cc = cols.contiguous();
        int b = cols.size(0);
        int oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1, ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        int l = oh * ow;
        Tensor x = empty(DType.F32, new int[] {b, c, h, w});
        float[] xs = storage(x).floats(), cs = storage(cc).floats();
        int co = cc.offset();
        // One task per (image, channel): the patches of a channel only touch that channel.
        Parallel.forRange(b * c, 1, (s, e) -> {
            for (int bc = s; bc < e; bc++) {
                int bi = bc / c, ci = bc % c;
                int dst = bc * h * w;
                for (int ki = 0; ki < kh; ki++)
                    for (int kj = 0; kj < kw; kj++) {
                        int src = co + (bi * c * kh * kw + (ci * kh + ki) * kw + kj) * l;
                        for (int y = 0; y < oh; y++) {
                            int iy = y * sh - ph + ki * dh;
                            if (iy < 0 || iy >= h) continue;
                            for (int xx = 0; xx < ow; xx++) {
                                int ix = xx * sw - pw + kj * dw;
                                if (ix >= 0 && ix < w) xs[dst + iy * w + ix] += cs[src + y * ow + xx];
                            }
                        }
                    }
            }
        });
        return x;
    }
}
