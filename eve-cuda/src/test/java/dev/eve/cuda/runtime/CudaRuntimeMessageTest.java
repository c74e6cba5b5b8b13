package dev.eve.cuda.runtime;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The one-line diagnosis of a failed load, from the loader's exception chain (no GPU needed). */
class CudaRuntimeMessageTest {

    @Test
    void missingDriverIsNamed() {
        Throwable t = new UnsatisfiedLinkError("no jnicudart in java.library.path: /usr/lib");
        t.initCause(new UnsatisfiedLinkError("/root/.javacpp/cache/x.jar/org/bytedeco/cuda/linux-x86_64/libjnicudart.so: "
                + "libcuda.so.1: cannot open shared object file: No such file or directory"));
        String m = CudaRuntime.unavailableMessage(t);
        assertTrue(m.startsWith("CUDA unavailable: no NVIDIA driver (libcuda.so.1 not found)"), m);
        assertTrue(m.contains("LD_LIBRARY_PATH="), m);
        assertTrue(m.contains("device count 0"), m);
        assertTrue(m.endsWith("cause: libjnicudart.so: libcuda.so.1: cannot open shared object file: No such file or directory"), m);
        assertFalse(m.contains("\n"));
    }

    @Test
    void missingRuntimeIsNamed() {
        Throwable t = new UnsatisfiedLinkError("/tmp/libjnicudart.so: libcudart.so.13: cannot open shared object file\nsecond line");
        String m = CudaRuntime.unavailableMessage(t);
        assertTrue(m.contains("CUDA runtime library missing (libcudart.so.13 not found)"), m);
        assertFalse(m.contains("\n"), m);
    }

    @Test
    void unknownFailuresStillGiveOneLine() {
        String m = CudaRuntime.unavailableMessage(new ExceptionInInitializerError(new RuntimeException("boom")));
        assertTrue(m.startsWith("CUDA unavailable: could not load the CUDA runtime"), m);
        assertTrue(m.endsWith("cause: boom"), m);
    }
}
