package dev.eve.cuda;

import dev.eve.cuda.runtime.CudaRuntime;
import org.junit.jupiter.api.Assumptions;

/** Skips a GPU test, with the probe's one-line reason (no driver, no device, library missing). */
public final class GpuAssumptions {

    private GpuAssumptions() {}

    public static void assumeGpu() {
        CudaRuntime.Availability a = CudaRuntime.availability();
        Assumptions.assumeTrue(a.available(), () -> "skipped, no usable GPU: " + a.reason());
    }
}
