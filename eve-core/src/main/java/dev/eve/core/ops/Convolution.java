package dev.eve.core.ops;

import dev.eve.core.autograd.Node;
import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;

/** 2-d convolution (NCHW), with a copy-free path for patch embeddings (kernel == stride). */
public final class Convolution {

    private Convolution() {}

    /**
     * {@code F.conv2d(x, weight, bias, stride, padding, dilation)} with groups = 1: x [B,C,H,W],
     * weight [O,C,kh,kw], bias [O] or null; returns [B,O,outH,outW].
     */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation) {
        if (x.dim() != 4 || weight.dim() != 4)
            throw new IllegalArgumentException("conv2d expects input [B,C,H,W] and weight [O,C,kh,kw], got "
                    + Shapes.format(x.shape()) + " and " + Shapes.format(weight.shape()));
        int b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        int o = weight.size(0), kh = weight.size(2), kw = weight.size(3);
        if (weight.size(1) != c)
            throw new IllegalArgumentException("conv2d: weight " + Shapes.format(weight.shape()) + " expects " + weight.size(1)
                    + " input channels, input " + Shapes.format(x.shape()) + " has " + c + " (groups > 1 is not supported)");
        if (bias != null && (bias.dim() != 1 || bias.size(0) != o))
            throw new IllegalArgumentException("conv2d: bias of shape " + Shapes.format(bias.shape()) + " for " + o + " output channels");
        int sh = stride[0], sw = stride[1], ph = padding[0], pw = padding[1], dh = dilation[0], dw = dilation[1];
        int oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
        int ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        if (oh <= 0 || ow <= 0)
            throw new IllegalArgumentException("conv2d: kernel " + kh + "x" + kw + " does not fit input " + h + "x" + w);
        Tensor w2 = weight.reshape(o, c * kh * kw);
        Tensor y;
        if (kh == sh && kw == sw && ph == 0 && pw == 0 && dh == 1 && dw == 1 && h % kh == 0 && w % kw == 0) {
            // Patchify: [B,C,oh,kh,ow,kw] -> [B,oh,ow,C,kh,kw] -> rows of patches, one GEMM.
            Tensor patches = x.reshape(b, c, oh, kh, ow, kw).permute(0, 2, 4, 1, 3, 5).reshape(b * oh * ow, c * kh * kw);
            y = patches.matmul(w2.t());
            if (bias != null) y = y.add(bias);
            return y.reshape(b, oh, ow, o).permute(0, 3, 1, 2);
        }
        Tensor cols = unfold(x, kh, kw, sh, sw, ph, pw, dh, dw);  // [B, C*kh*kw, L]
        y = w2.matmul(cols);                                        // [B, O, L]
        if (bias != null) y = y.add(bias.reshape(o, 1));
        return y.reshape(b, o, oh, ow);
    }

    /** {@code F.unfold}: sliding patches of x [B,C,H,W] as [B, C*kh*kw, L]. */
    public static Tensor unfold(Tensor x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        Tensor cols = x.backend().unfold2d(x.detach(), kh, kw, sh, sw, ph, pw, dh, dw);
        if (!Node.needsGrad(x)) return cols;
        return Node.record(cols, new UnfoldBackward(x, new int[] {kh, kw, sh, sw, ph, pw, dh, dw}));
    }

    private static final class UnfoldBackward extends Node {
        private final int[] shape, p;

        UnfoldBackward(Tensor x, int[] params) {
            super(x);
            this.shape = x.shape();
            this.p = params;
        }

        @Override
        public String name() {
            return "unfold_backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g.backend().fold2d(g.contiguous(), shape[1], shape[2], shape[3],
                    p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7])};
        }
    }
}
