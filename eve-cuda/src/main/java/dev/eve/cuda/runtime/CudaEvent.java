package dev.eve.cuda.runtime;

import org.bytedeco.cuda.cudart.CUevent_st;

import static org.bytedeco.cuda.global.cudart.*;
import static dev.eve.cuda.runtime.CudaRuntime.check;

/** A CUDA event: a point in a stream to wait for or to time. */
public final class CudaEvent implements AutoCloseable {

    private final CUevent_st handle;

    private CudaEvent(CUevent_st handle) {
        this.handle = handle;
    }

    /** A new event; {@code timing} makes {@link #elapsedMillis} usable. */
    public static CudaEvent create(boolean timing) {
        CUevent_st e = new CUevent_st();
        check(cudaEventCreateWithFlags(e, timing ? cudaEventDefault : cudaEventDisableTiming), "cudaEventCreateWithFlags");
        return new CudaEvent(e);
    }

    public CUevent_st handle() {
        return handle;
    }

    /** Records this event at the current end of {@code stream}. */
    public CudaEvent record(CudaStream stream) {
        check(cudaEventRecord(handle, stream.handle()), "cudaEventRecord");
        return this;
    }

    /** True when the recorded work has finished. */
    public boolean isDone() {
        int rc = cudaEventQuery(handle);
        if (rc == cudaErrorNotReady) return false;
        check(rc, "cudaEventQuery");
        return true;
    }

    public void synchronize() {
        check(cudaEventSynchronize(handle), "cudaEventSynchronize");
    }

    /** Milliseconds between {@code start} and this event (both recorded with timing). */
    public float elapsedMillis(CudaEvent start) {
        float[] ms = new float[1];
        check(cudaEventElapsedTime(ms, start.handle, handle), "cudaEventElapsedTime");
        return ms[0];
    }

    @Override
    public void close() {
        check(cudaEventDestroy(handle), "cudaEventDestroy");
    }
}
