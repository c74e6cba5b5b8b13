package dev.eve.cuda.kernels;

import dev.eve.core.tensor.DType;
import dev.eve.cuda.runtime.CudaDevice;
import dev.eve.cuda.runtime.CudaFunction;
import dev.eve.cuda.runtime.CudaModule;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the launchers of this package share: the kernel lookup (one {@link CudaFunction} per device,
 * file and name, looked up once), the dtype suffix of kernel names and the grid arithmetic.
 */
final class Launch {

    private record Key(int device, String file, String name) {}

    private static final Map<Key, CudaFunction> FUNCTIONS = new ConcurrentHashMap<>();
    private static final Map<Key, Integer> DYNAMIC_SMEM = new ConcurrentHashMap<>();

    /** Dynamic shared memory a kernel may use without opting in. */
    static final int DEFAULT_DYNAMIC_SMEM = 48 * 1024;

    private Launch() {}

    /** The kernel {@code name} of {@code native/<file>} on {@code device}, compiled on first use. */
    static CudaFunction function(CudaDevice device, String file, String name) {
        return FUNCTIONS.computeIfAbsent(new Key(device.index(), file, name),
                k -> CudaModule.load(device, file).function(name));
    }

    /** Like {@link #function}, raising the kernel's dynamic shared memory limit to {@code bytes} when above 48 KB. */
    static CudaFunction function(CudaDevice device, String file, String name, int dynamicSmemBytes) {
        CudaFunction f = function(device, file, name);
        if (dynamicSmemBytes > DEFAULT_DYNAMIC_SMEM) {
            Key key = new Key(device.index(), file, name);
            Integer done = DYNAMIC_SMEM.get(key);
            if (done == null || done < dynamicSmemBytes) {
                synchronized (DYNAMIC_SMEM) {
                    done = DYNAMIC_SMEM.get(key);
                    if (done == null || done < dynamicSmemBytes) {
                        f.setMaxDynamicSharedMemory(dynamicSmemBytes);
                        DYNAMIC_SMEM.put(key, dynamicSmemBytes);
                    }
                }
            }
        }
        return f;
    }

    /** The suffix of a floating kernel variant: f32, bf16 or f16. */
    static String suffix(DType dtype) {
        return switch (dtype) {
            case F32 -> "f32";
            case BF16 -> "bf16";
            case F16 -> "f16";
            default -> throw new IllegalArgumentException("no fused kernel for dtype " + dtype + " (F32, BF16, F16 only)");
        };
    }

    /** The {@code mask_kind} argument of the kernels that read a mask of any dtype (0 = no mask). */
    static int maskKind(long pointer, DType dtype) {
        if (pointer == 0) return 0;
        if (dtype == null) throw new IllegalArgumentException("a mask pointer needs its dtype");
        return switch (dtype) {
            case BOOL -> 1;
            case I32 -> 2;
            case I64 -> 3;
            case F32 -> 4;
            default -> throw new IllegalArgumentException("masks of dtype " + dtype + " are not supported");
        };
    }

    static int ceilDiv(long a, long b) {
        long r = (a + b - 1) / b;
        if (r > Integer.MAX_VALUE) throw new IllegalArgumentException("grid too large: " + r + " blocks");
        return (int) r;
    }

    static void checkNonNegative(String what, long... values) {
        for (long v : values) if (v < 0) throw new IllegalArgumentException(what + ": negative size " + v);
    }
}
