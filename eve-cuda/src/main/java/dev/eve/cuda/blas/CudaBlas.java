package dev.eve.cuda.blas;

import dev.eve.core.tensor.DType;
import dev.eve.cuda.runtime.CachingAllocator;
import dev.eve.cuda.runtime.CudaDevice;
import dev.eve.cuda.runtime.CudaException;
import dev.eve.cuda.runtime.CudaUnavailableException;
import dev.eve.cuda.runtime.DevicePtr;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.bytedeco.cuda.global.cublas.*;
import static org.bytedeco.cuda.global.cudart.*;

/**
 * cuBLAS GEMMs of the CUDA backend: one handle per device, bound to the device's stream, with a
 * workspace from the caching allocator. F32 (TF32 tensor cores when allowed), BF16 and F16 inputs with
 * F32 accumulation and F32 output, strided batched (batch stride 0 broadcasts an operand).
 *
 * <p>TF32 is off by default (F32 results match the CPU backend closely); turn it on with the system
 * property {@code eve.cuda.tf32=true} or {@link #setAllowTf32}.
 */
public final class CudaBlas {

    private static final long WORKSPACE_BYTES = 32L << 20;
    private static final int MAX_BATCH = 65535;
    private static volatile boolean allowTf32 = Boolean.getBoolean("eve.cuda.tf32");
    private static final Map<Integer, CudaBlas> HANDLES = new ConcurrentHashMap<>();

    private final CudaDevice device;
    private final cublasContext handle;
    private final FloatPointer alphaHost = new FloatPointer(1), betaHost = new FloatPointer(1);
    @SuppressWarnings("unused") // held for the life of the handle
    private final CachingAllocator.Block workspace;

    private CudaBlas(CudaDevice device) {
        try {
            Loader.load(org.bytedeco.cuda.global.cublas.class);
        } catch (Throwable t) {
            String ld = System.getenv("LD_LIBRARY_PATH");
            throw new CudaUnavailableException("cuBLAS unavailable: could not load libcublas.so.13 / libcublasLt.so.13 (LD_LIBRARY_PATH="
                    + (ld == null || ld.isEmpty() ? "<unset>" : ld) + "): " + String.valueOf(t.getMessage()).replace('\n', ' '));
        }
        this.device = device;
        device.makeCurrent();
        handle = new cublasContext();
        check(cublasCreate_v2(handle), "cublasCreate");
        check(cublasSetStream_v2(handle, device.stream().handle()), "cublasSetStream");
        workspace = device.allocator().allocate(WORKSPACE_BYTES, device.stream());
        check(cublasSetWorkspace_v2(handle, DevicePtr.of(workspace.pointer()), WORKSPACE_BYTES), "cublasSetWorkspace");
    }

    /** The handle of {@code device} (created on first use). */
    public static CudaBlas of(CudaDevice device) {
        return HANDLES.computeIfAbsent(device.index(), i -> new CudaBlas(device));
    }

    /** Whether F32 GEMMs may use TF32 tensor cores (10-bit mantissa inputs, F32 accumulation). */
    public static boolean allowTf32() {
        return allowTf32;
    }

    public static void setAllowTf32(boolean allow) {
        allowTf32 = allow;
    }

    /**
     * Row-major {@code C[batch][m][n] = alpha * A[m][k] B[k][n]} (C F32, contiguous) for planned operands
     * of element type {@code inType} (F32, BF16 or F16; both the same).
     */
    public void gemm(DType inType, long a, GemmPlan pa, long b, GemmPlan pb, long c, int batch, int m, int n, int k, float alpha) {
        if (pa.copy() || pb.copy()) throw new IllegalArgumentException("operands must be planned without copies");
        GemmPlan.Call call = GemmPlan.call(pa, pb, m, n, k);
        int cudaType = switch (inType) {
            case F32 -> CUDA_R_32F;
            case BF16 -> CUDA_R_16BF;
            case F16 -> CUDA_R_16F;
            default -> throw new IllegalArgumentException("matmul of " + inType);
        };
        int compute = inType == DType.F32 && allowTf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
        int es = inType.byteSize();
        device.makeCurrent();
        synchronized (this) {
            alphaHost.put(0, alpha);
            betaHost.put(0, 0f);
            for (int start = 0; start < batch; start += MAX_BATCH) {
                int count = Math.min(MAX_BATCH, batch - start);
                long offFirst = b + start * call.strideFirst() * es, offSecond = a + start * call.strideSecond() * es;
                long offC = c + (long) start * m * n * 4;
                check(cublasGemmStridedBatchedEx(handle,
                                call.transFirst() ? CUBLAS_OP_T : CUBLAS_OP_N, call.transSecond() ? CUBLAS_OP_T : CUBLAS_OP_N,
                                call.m(), call.n(), call.k(),
                                alphaHost, DevicePtr.of(offFirst), cudaType, call.ldFirst(), call.strideFirst(),
                                DevicePtr.of(offSecond), cudaType, call.ldSecond(), call.strideSecond(),
                                betaHost, DevicePtr.of(offC), CUDA_R_32F, call.ldc(), (long) m * n,
                                count, compute, CUBLAS_GEMM_DEFAULT),
                        "cublasGemmStridedBatchedEx(" + inType + ", m=" + m + ", n=" + n + ", k=" + k + ", batch=" + count + ")");
            }
        }
    }

    private static void check(int status, String call) {
        if (status != CUBLAS_STATUS_SUCCESS) {
            String name;
            try {
                name = cublasGetStatusName(status).getString();
            } catch (Throwable t) {
                name = "cublasStatus " + status;
            }
            throw new CudaException(call + " failed: " + name);
        }
    }
}
