package dev.eve.cuda.runtime;

import org.bytedeco.javacpp.Pointer;

import static org.bytedeco.cuda.global.cudart.*;
import static dev.eve.cuda.runtime.CudaRuntime.check;

/** Host/device copies on a stream. Host sides are raw addresses (pinned for asynchrony) or JavaCPP pointers. */
public final class Memcpy {

    private Memcpy() {}

    public static void hostToDevice(long dst, Pointer src, long bytes, CudaStream stream) {
        if (bytes == 0) return;
        check(cudaMemcpyAsync(DevicePtr.of(dst), src, bytes, cudaMemcpyHostToDevice, stream.handle()), "cudaMemcpyAsync(H2D)");
    }

    public static void deviceToHost(Pointer dst, long src, long bytes, CudaStream stream) {
        if (bytes == 0) return;
        check(cudaMemcpyAsync(dst, DevicePtr.of(src), bytes, cudaMemcpyDeviceToHost, stream.handle()), "cudaMemcpyAsync(D2H)");
    }

    public static void deviceToDevice(long dst, long src, long bytes, CudaStream stream) {
        if (bytes == 0) return;
        check(cudaMemcpyAsync(DevicePtr.of(dst), DevicePtr.of(src), bytes, cudaMemcpyDeviceToDevice, stream.handle()),
                "cudaMemcpyAsync(D2D)");
    }

    /** Sets {@code bytes} bytes at {@code dst} to {@code value}. */
    public static void memset(long dst, int value, long bytes, CudaStream stream) {
        if (bytes == 0) return;
        check(cudaMemsetAsync(DevicePtr.of(dst), value, bytes, stream.handle()), "cudaMemsetAsync");
    }
}
