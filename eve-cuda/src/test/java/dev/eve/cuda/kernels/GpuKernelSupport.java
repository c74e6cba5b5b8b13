package dev.eve.cuda.kernels;

import dev.eve.core.backend.Backend;
import dev.eve.core.backend.Backends;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Tensor;
import dev.eve.cuda.CudaBackend;
import dev.eve.cuda.CudaStorage;
import dev.eve.cuda.GpuAssumptions;
import dev.eve.cuda.runtime.CudaDevice;
import dev.eve.cuda.runtime.CudaStream;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Shared plumbing of the fused-kernel GPU tests: device buffers made from host arrays through the CUDA
 * backend, read back as floats, the CPU backend as the reference, and per-dtype tolerances. Every test
 * calls {@link #assumeGpu()} first, so without a GPU they are skipped with the probe's reason.
 */
abstract class GpuKernelSupport {

    static Backend cpu;
    static CudaBackend gpu;
    final Random rnd = new Random(7);

    static void assumeGpu() {
        GpuAssumptions.assumeGpu();
        if (gpu == null) {
            cpu = Backends.of(Device.CPU);
            gpu = (CudaBackend) Backends.of(Device.cuda(0));
        }
    }

    static CudaDevice device() {
        return gpu.cudaDevice();
    }

    static CudaStream stream() {
        return gpu.cudaDevice().stream();
    }

    /** A device buffer holding {@code data} converted to {@code dtype}. */
    static CudaStorage upload(float[] data, DType dtype) {
        return (CudaStorage) gpu.fromFloats(data, dtype);
    }

    static CudaStorage uploadLongs(long[] data, DType dtype) {
        return (CudaStorage) gpu.fromLongs(data, dtype);
    }

    /** A zero-filled device buffer of {@code n} elements (at least 1, so that the pointer is valid). */
    static CudaStorage zeros(DType dtype, long n) {
        return (CudaStorage) gpu.allocate(dtype, (int) Math.max(1, n));
    }

    static float[] download(CudaStorage s, int n) {
        float[] all = gpu.toFloatArray(Tensor.fromStorage(s, s.size()));
        return java.util.Arrays.copyOf(all, n);
    }

    /** What {@code data} becomes once stored as {@code dtype} (the inputs the reference must see). */
    static float[] rounded(float[] data, DType dtype) {
        return dtype == DType.F32 ? data.clone() : download(upload(data, dtype), data.length);
    }

    float[] randn(int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextGaussian() * scale);
        return v;
    }

    /** Relative tolerance of results stored in {@code dtype} (F32 math inside). */
    static double tol(DType dtype) {
        return switch (dtype) {
            case F32 -> 2e-4;
            case BF16 -> 3e-2;
            default -> 5e-3;
        };
    }

    /** |a - e| <= tol * max(1, |e|) elementwise; NaN must match NaN. */
    static void close(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i], a = actual[i];
            if (Float.isNaN(e)) {
                assertTrue(Float.isNaN(a), what + " [" + i + "]: expected NaN, got " + a);
                continue;
            }
            if (Float.isInfinite(e)) {
                assertEquals(e, a, what + " [" + i + "]");
                continue;
            }
            if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e))))
                fail(what + " [" + i + "]: expected " + e + ", got " + a + " (tolerance " + tol + ")");
        }
    }

    static float[] floats(Tensor t) {
        return cpu.toFloatArray(t);
    }
}
