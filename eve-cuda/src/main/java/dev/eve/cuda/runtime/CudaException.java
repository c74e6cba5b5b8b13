package dev.eve.cuda.runtime;

/** A CUDA, driver, NVRTC or cuBLAS call failed; the message names the call and the error. */
public class CudaException extends RuntimeException {

    public CudaException(String message) {
        super(message);
    }

    public CudaException(String message, Throwable cause) {
        super(message, cause);
    }
}
