// conv.cu: im2col (unfold2d) and col2im (fold2d) for NCHW F32 images (dev.eve.cuda.CudaBackend).
#include "common.cuh"

struct EbConv {
    int batch, channels, height, width;
    int kh, kw, sh, sw, ph, pw, dh, dw;
    int out_h, out_w;
};

// cols [B, C*kh*kw, outH*outW] from x [B, C, H, W] (both contiguous), zero padding.
extern "C" __global__ void eb_unfold2d(float* cols, const float* x, EbConv p) {
    int L = p.out_h * p.out_w;
    int rows = p.channels * p.kh * p.kw;
    int n = p.batch * rows * L;
    EB_GRID_STRIDE(i, n) {
        int l = i % L;
        int t = i / L;
        int row = t % rows;
        int b = t / rows;
        int kj = row % p.kw;
        int ki = (row / p.kw) % p.kh;
        int c = row / (p.kw * p.kh);
        int oy = l / p.out_w, ox = l % p.out_w;
        int iy = oy * p.sh - p.ph + ki * p.dh;
        int ix = ox * p.sw - p.pw + kj * p.dw;
        float v = 0.0f;
        if (iy >= 0 && iy < p.height && ix >= 0 && ix < p.width)
            v = x[((b * p.channels + c) * p.height + iy) * p.width + ix];
        cols[i] = v;
    }
}

// x [B, C, H, W] = sum of the patches of cols [B, C*kh*kw, outH*outW] that cover each pixel (a gather:
// one thread per pixel, deterministic).
extern "C" __global__ void eb_fold2d(float* x, const float* cols, EbConv p) {
    int L = p.out_h * p.out_w;
    int n = p.batch * p.channels * p.height * p.width;
    EB_GRID_STRIDE(i, n) {
        int w = i % p.width;
        int h = (i / p.width) % p.height;
        int c = (i / (p.width * p.height)) % p.channels;
        int b = i / (p.width * p.height * p.channels);
        float acc = 0.0f;
        for (int ki = 0; ki < p.kh; ki++) {
            int ty = h + p.ph - ki * p.dh;
            if (ty < 0 || ty % p.sh != 0) continue;
            int oy = ty / p.sh;
            if (oy >= p.out_h) continue;
            for (int kj = 0; kj < p.kw; kj++) {
                int tx = w + p.pw - kj * p.dw;
                if (tx < 0 || tx % p.sw != 0) continue;
                int ox = tx / p.sw;
                if (ox >= p.out_w) continue;
                int row = (c * p.kh + ki) * p.kw + kj;
                acc += cols[(b * p.channels * p.kh * p.kw + row) * L + oy * p.out_w + ox];
            }
        }
        x[i] = acc;
    }
}
