package dev.eve.cuda.runtime;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;

import static org.bytedeco.cuda.global.cudart.*;
import static dev.eve.cuda.runtime.CudaRuntime.check;

/**
 * Page-locked host memory ({@code cudaMallocHost}): the staging buffer of host/device copies, which
 * run at full bus speed and asynchronously only from pinned memory. Grows on demand; one per device.
 */
public final class PinnedHostBuffer implements AutoCloseable {

    private long address;
    private long capacity;

    public PinnedHostBuffer(long bytes) {
        ensure(bytes);
    }

    /** Makes the buffer at least {@code bytes} long (the old content is lost when it grows). */
    public synchronized void ensure(long bytes) {
        if (bytes <= capacity) return;
        long want = Math.max(bytes, Math.min(capacity * 2, capacity + (256L << 20)));
        free();
        PointerPointer<?> pp = new PointerPointer<>(1);
        check(cudaMallocHost(pp, want), "cudaMallocHost(" + want + ")");
        address = pp.get(0).address();
        capacity = want;
    }

    public synchronized long address() {
        return address;
    }

    public synchronized long capacity() {
        return capacity;
    }

    /** A JavaCPP view of the first {@code bytes} bytes. */
    public synchronized BytePointer bytes(long bytes) {
        if (bytes > capacity) throw new IllegalArgumentException(bytes + " > capacity " + capacity);
        return new BytePointer(DevicePtr.of(address)).capacity(bytes).limit(bytes);
    }

    private void free() {
        if (address != 0) check(cudaFreeHost(DevicePtr.of(address)), "cudaFreeHost");
        address = 0;
        capacity = 0;
    }

    @Override
    public synchronized void close() {
        free();
    }
}
