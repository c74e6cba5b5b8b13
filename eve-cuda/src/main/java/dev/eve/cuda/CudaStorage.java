package dev.eve.cuda;

import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Storage;
import dev.eve.cuda.runtime.CachingAllocator;
import dev.eve.cuda.runtime.CudaDevice;

import java.lang.ref.Cleaner;

/**
 * Device memory of the CUDA backend: a block of the device's {@link CachingAllocator}, returned to
 * the allocator's cache (not to the driver) by a {@link Cleaner} once no tensor refers to it.
 */
public final class CudaStorage implements Storage {

    private static final Cleaner CLEANER = Cleaner.create();

    private final CudaDevice device;
    private final DType dtype;
    private final int size;
    private final long pointer;
    private final Cleaner.Cleanable cleanable;

    private CudaStorage(CudaDevice device, DType dtype, int size, CachingAllocator.Block block) {
        this.device = device;
        this.dtype = dtype;
        this.size = size;
        this.pointer = block.pointer();
        this.cleanable = block.size() == 0 ? null : CLEANER.register(this, new Release(device.allocator(), block));
    }

    /** Uninitialised storage of {@code numel} elements on {@code device}. */
    public static CudaStorage allocate(CudaDevice device, DType dtype, int numel) {
        CachingAllocator.Block b = device.allocator().allocate((long) numel * dtype.byteSize(), device.stream());
        return new CudaStorage(device, dtype, numel, b);
    }

    /** The device address of element 0. */
    public long pointer() {
        return pointer;
    }

    /** The device address of element {@code index}. */
    public long pointer(long index) {
        return pointer + index * dtype.byteSize();
    }

    public CudaDevice cudaDevice() {
        return device;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Device device() {
        return Device.cuda(device.index());
    }

    /** Returns the memory to the allocator now (the storage must not be used afterwards). */
    public void release() {
        if (cleanable != null) cleanable.clean();
    }

    @Override
    public String toString() {
        return "CudaStorage[" + dtype + " x " + size + " @0x" + Long.toHexString(pointer) + " on cuda:" + device.index() + "]";
    }

    private record Release(CachingAllocator allocator, CachingAllocator.Block block) implements Runnable {
        @Override
        public void run() {
            allocator.release(block);
        }
    }
}
