package dev.eve.cuda.runtime;

/**
 * No usable GPU: no NVIDIA driver, no device, or a CUDA library that could not be loaded. The message
 * is one line and names what was looked for (libraries, LD_LIBRARY_PATH, device count).
 */
public final class CudaUnavailableException extends IllegalStateException {

    public CudaUnavailableException(String message) {
        super(message);
    }
}
