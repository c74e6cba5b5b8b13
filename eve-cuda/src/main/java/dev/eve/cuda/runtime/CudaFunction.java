package dev.eve.cuda.runtime;

import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;

import static org.bytedeco.cuda.global.cudart.*;
import static dev.eve.cuda.runtime.CudaRuntime.checkDriver;

/** One kernel of a {@link CudaModule}, launched with {@code cuLaunchKernel}. */
public final class CudaFunction {

    /** Per-thread native scratch: the parameter values and the array of pointers to them. */
    private static final class Scratch {
        BytePointer values = new BytePointer(4096);
        LongPointer pointers = new LongPointer(256);
        long valueCapacity = 4096;
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final CudaModule module;
    private final String name;
    private final CUfunc_st handle;

    CudaFunction(CudaModule module, String name, CUfunc_st handle) {
        this.module = module;
        this.name = name;
        this.handle = handle;
    }

    public String name() {
        return name;
    }

    /** Launches on {@code stream}; the arguments are copied at launch, so {@code args} may be reused. */
    public void launch(int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                       int sharedMemBytes, CudaStream stream, KernelArgs args) {
        if (gridX <= 0 || gridY <= 0 || gridZ <= 0) return; // nothing to do (empty tensors)
        module.device().makeCurrent();
        Scratch s = SCRATCH.get();
        int n = args.size();
        long need = 0;
        for (int i = 0; i < n; i++) need = align(need, 16) + args.byteSize(i);
        if (need > s.valueCapacity) {
            s.values.close();
            s.valueCapacity = Math.max(need, s.valueCapacity * 2);
            s.values = new BytePointer(s.valueCapacity);
        }
        if (n > s.pointers.capacity()) {
            s.pointers.close();
            s.pointers = new LongPointer(Math.max(n, 2 * s.pointers.capacity()));
        }
        BytePointer v = s.values;
        long base = v.address(), off = 0;
        for (int i = 0; i < n; i++) {
            off = align(off, 16);
            switch (args.kind(i)) {
                case PTR, I64 -> v.putLong(off, args.value(i));
                case I32, F32 -> v.putInt(off, (int) args.value(i));
                case BYTES -> {
                    byte[] b = args.bytes(i);
                    v.position(off).put(b, 0, b.length).position(0);
                }
            }
            s.pointers.put(i, base + off);
            off += args.byteSize(i);
        }
        checkDriver(cuLaunchKernel(handle, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedMemBytes,
                stream.handle(), s.pointers, null), "cuLaunchKernel(" + module.fileName() + ":" + name + ", grid "
                + gridX + "x" + gridY + "x" + gridZ + ", block " + blockX + "x" + blockY + "x" + blockZ + ", smem " + sharedMemBytes + ")");
    }

    /** 1-d launch helper: {@code ceil(n / block)} blocks of {@code block} threads. */
    public void launch1d(long n, int block, CudaStream stream, KernelArgs args) {
        if (n <= 0) return;
        long grid = (n + block - 1) / block;
        launch((int) Math.min(grid, Integer.MAX_VALUE), 1, 1, block, 1, 1, 0, stream, args);
    }

    /** Lets launches use up to {@code bytes} of dynamic shared memory (beyond the default 48 KiB). */
    public void setMaxDynamicSharedMemory(int bytes) {
        module.device().makeCurrent();
        checkDriver(cuFuncSetAttribute(handle, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
                "cuFuncSetAttribute(" + name + ", MAX_DYNAMIC_SHARED_SIZE_BYTES, " + bytes + ")");
    }

    private static long align(long x, int a) {
        return (x + a - 1) / a * a;
    }
}
