package dev.eve.cuda;

import dev.eve.core.backend.Backends;
import dev.eve.core.tensor.Device;
import dev.eve.cuda.runtime.CudaRuntime;
import dev.eve.cuda.runtime.CudaUnavailableException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** What a machine without a driver or GPU sees: no exceptions while probing, one clear line when used. */
class NoGpuTest {

    private static void assumeNoGpu() {
        Assumptions.assumeFalse(CudaRuntime.isAvailable(), "a GPU is present: the no-GPU behaviour cannot be observed");
    }

    @Test
    void probeReportsOneLineNamingWhatWasLookedFor() {
        assumeNoGpu();
        CudaRuntime.Availability a = CudaRuntime.availability();
        assertFalse(a.available());
        assertEquals(0, a.deviceCount());
        String reason = a.reason();
        assertNotNull(reason);
        assertFalse(reason.contains("\n"), reason);
        assertTrue(reason.startsWith("CUDA unavailable: "), reason);
        if (!reason.contains("disabled")) {
            assertTrue(reason.contains("LD_LIBRARY_PATH="), reason);
            assertTrue(reason.contains("device count 0") || reason.contains("0 GPUs"), reason);
            assertTrue(reason.contains("libcuda.so.1") || reason.contains("cudaGetDeviceCount"), reason);
        }
    }

    @Test
    void providerIsUnavailableWithoutThrowing() {
        assumeNoGpu();
        CudaBackendProvider p = new CudaBackendProvider();
        assertEquals("cuda", p.deviceType());
        assertFalse(p.isAvailable());
        assertEquals(0, p.deviceCount());
        assertFalse(Backends.isAvailable("cuda"));
        assertEquals(0, Backends.deviceCount("cuda"));
    }

    @Test
    void providerIsRegisteredAsAService() {
        assertTrue(Backends.deviceTypes().contains("cuda"), Backends.deviceTypes().toString());
    }

    @Test
    void backendOfCudaDeviceThrowsTheClearError() {
        assumeNoGpu();
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> Backends.of(Device.cuda(0)));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertEquals(CudaRuntime.availability().reason(), e.getMessage());
    }
}
