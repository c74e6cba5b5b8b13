package dev.eve.cuda.runtime;

import org.bytedeco.cuda.cudart.CUstream_st;

import static org.bytedeco.cuda.global.cudart.*;
import static dev.eve.cuda.runtime.CudaRuntime.check;

/** A CUDA stream of one device: work enqueued on it runs in order. */
public final class CudaStream implements AutoCloseable {

    private final CudaDevice device;
    private final CUstream_st handle;

    private CudaStream(CudaDevice device, CUstream_st handle) {
        this.device = device;
        this.handle = handle;
    }

    /** A new non-blocking stream on {@code device} (made current). */
    public static CudaStream create(CudaDevice device) {
        device.makeCurrent();
        CUstream_st s = new CUstream_st();
        check(cudaStreamCreateWithFlags(s, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
        return new CudaStream(device, s);
    }

    public CudaDevice device() {
        return device;
    }

    /** The presets' handle (also the driver API's CUstream). */
    public CUstream_st handle() {
        return handle;
    }

    /** Waits on the host until all work enqueued so far has finished. */
    public void synchronize() {
        check(cudaStreamSynchronize(handle), "cudaStreamSynchronize");
    }

    /** Makes later work on this stream wait for {@code event}. */
    public void waitEvent(CudaEvent event) {
        check(cudaStreamWaitEvent(handle, event.handle(), 0), "cudaStreamWaitEvent");
    }

    @Override
    public void close() {
        check(cudaStreamDestroy(handle), "cudaStreamDestroy");
    }

    @Override
    public String toString() {
        return "stream@" + Long.toHexString(handle.address()) + " on cuda:" + device.index();
    }
}
