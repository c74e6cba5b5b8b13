package dev.eve.cuda.runtime;

import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.bytedeco.cuda.global.cudart.*;
import static dev.eve.cuda.runtime.CudaRuntime.check;

/**
 * One GPU: its primary context (made current on every thread that uses it), its default stream (all
 * of EVE's work on the device is ordered on it), its caching allocator, a pinned staging buffer and
 * its compiled modules.
 */
public final class CudaDevice {

    private static final Map<Integer, CudaDevice> DEVICES = new ConcurrentHashMap<>();
    private static final ThreadLocal<int[]> CURRENT = ThreadLocal.withInitial(() -> new int[] {-1});

    private final int index;
    private final String name;
    private final int ccMajor, ccMinor, multiprocessors, maxSharedPerBlockOptin;
    private final long totalMemory;
    private final CudaStream stream;
    private final CachingAllocator allocator;
    private final PinnedHostBuffer staging;
    final Map<String, CudaModule> modules = new ConcurrentHashMap<>();

    private CudaDevice(int index) {
        this.index = index;
        makeCurrent();
        check(cudaFree(null), "cudaFree(0) (context creation)");
        int[] v = new int[1];
        check(cudaDeviceGetAttribute(v, cudaDevAttrComputeCapabilityMajor, index), "cudaDeviceGetAttribute");
        ccMajor = v[0];
        check(cudaDeviceGetAttribute(v, cudaDevAttrComputeCapabilityMinor, index), "cudaDeviceGetAttribute");
        ccMinor = v[0];
        check(cudaDeviceGetAttribute(v, cudaDevAttrMultiProcessorCount, index), "cudaDeviceGetAttribute");
        multiprocessors = v[0];
        check(cudaDeviceGetAttribute(v, cudaDevAttrMaxSharedMemoryPerBlockOptin, index), "cudaDeviceGetAttribute");
        maxSharedPerBlockOptin = v[0];
        SizeTPointer freeMem = new SizeTPointer(1), total = new SizeTPointer(1);
        check(cudaMemGetInfo(freeMem, total), "cudaMemGetInfo");
        totalMemory = total.get();
        org.bytedeco.cuda.cudart.cudaDeviceProp prop = new org.bytedeco.cuda.cudart.cudaDeviceProp();
        String n;
        try {
            check(cudaGetDeviceProperties(prop, index), "cudaGetDeviceProperties");
            n = prop.name().getString();
        } catch (RuntimeException e) {
            n = "cuda:" + index;
        }
        name = n;
        stream = CudaStream.create(this);
        allocator = new CachingAllocator(new CudaMemory(this));
        staging = new PinnedHostBuffer(1 << 20);
    }

    /** Device {@code index}, made current on the calling thread. */
    public static CudaDevice current(int index) {
        CudaRuntime.require();
        int count = CudaRuntime.deviceCount();
        if (index < 0 || index >= count)
            throw new CudaUnavailableException("no device cuda:" + index + ": " + count + " GPU(s) visible (CUDA_VISIBLE_DEVICES="
                    + (System.getenv("CUDA_VISIBLE_DEVICES") == null ? "<unset>" : System.getenv("CUDA_VISIBLE_DEVICES")) + ")");
        CudaDevice d = DEVICES.computeIfAbsent(index, CudaDevice::new);
        d.makeCurrent();
        return d;
    }

    /** Makes this device's primary context current on the calling thread (cheap when it already is). */
    public void makeCurrent() {
        int[] cur = CURRENT.get();
        if (cur[0] != index) {
            check(cudaSetDevice(index), "cudaSetDevice(" + index + ")");
            cur[0] = index;
        }
    }

    /** The device's default stream (all EVE work on this device is ordered on it). */
    public CudaStream stream() {
        return stream;
    }

    public int index() {
        return index;
    }

    public String name() {
        return name;
    }

    /** Compute capability as {@code major * 10 + minor} (90 on H100/H200). */
    public int computeCapability() {
        return ccMajor * 10 + ccMinor;
    }

    public int multiprocessors() {
        return multiprocessors;
    }

    /** The most dynamic shared memory a block may opt in to. */
    public int maxSharedMemoryPerBlockOptin() {
        return maxSharedPerBlockOptin;
    }

    public long totalMemory() {
        return totalMemory;
    }

    public CachingAllocator allocator() {
        return allocator;
    }

    /** The pinned buffer host/device copies are staged through (lock it while in use). */
    public PinnedHostBuffer staging() {
        return staging;
    }

    /** Waits until all work on the default stream has finished. */
    public void synchronize() {
        makeCurrent();
        stream.synchronize();
    }

    /** Returns the allocator's cached blocks to the driver (after finishing queued work). */
    public void emptyCache() {
        synchronize();
        allocator.emptyCache();
    }

    @Override
    public String toString() {
        return "cuda:" + index + " (" + name + ", sm_" + computeCapability() + ", " + (totalMemory >> 20) + " MiB)";
    }

    /** cudaMalloc / cudaFree under the caching allocator. */
    private record CudaMemory(CudaDevice device) implements CachingAllocator.DeviceMemory {
        @Override
        public long malloc(long bytes) {
            device.makeCurrent();
            PointerPointer<?> pp = new PointerPointer<>(1);
            int rc = cudaMalloc(pp, bytes);
            if (rc == cudaErrorMemoryAllocation) {
                cudaGetLastError(); // clear the sticky-free error state
                return 0;
            }
            check(rc, "cudaMalloc(" + bytes + ")");
            return pp.get(0).address();
        }

        @Override
        public void free(long pointer) {
            device.makeCurrent();
            check(cudaFree(DevicePtr.of(pointer)), "cudaFree");
        }
    }
}
