package dev.eve.cuda.blas;

/**
 * How one operand of {@code Backend.matmul} ([batch, rows, cols] with any strides) is handed to cuBLAS:
 * as a row-major matrix with leading dimension {@code ld} ({@code transposed == false}: element (r, c) at
 * {@code r * ld + c}), as a column-major one ({@code transposed}: at {@code r + c * ld}), each batch
 * {@code batchStride} elements further (0 for a broadcast operand), or, when the strides allow neither,
 * after a contiguous copy ({@code copy}). Pure arithmetic, tested without a GPU.
 */
public record GemmPlan(boolean copy, boolean transposed, int ld, long batchStride) {

    /** The plan of an operand of shape [batch, rows, cols] with element strides {@code strides}. */
    public static GemmPlan of(int batch, int rows, int cols, int[] strides) {
        long sb = batch == 1 ? 0 : strides[0];
        int sr = strides[1], sc = strides[2];
        if ((cols == 1 || sc == 1) && (rows == 1 || sr >= cols) && sr >= 0)
            return new GemmPlan(false, false, rows == 1 ? Math.max(cols, 1) : Math.max(sr, Math.max(cols, 1)), sb);
        if ((rows == 1 || sr == 1) && (cols == 1 || sc >= rows) && sc >= 0)
            return new GemmPlan(false, true, cols == 1 ? Math.max(rows, 1) : Math.max(sc, Math.max(rows, 1)), sb);
        return new GemmPlan(true, false, Math.max(cols, 1), (long) rows * cols);
    }

    /** The plan of a contiguous [batch, rows, cols] copy. */
    public static GemmPlan contiguous(int rows, int cols) {
        return new GemmPlan(false, false, Math.max(cols, 1), (long) rows * cols);
    }

    /**
     * The cuBLAS (column-major) call for row-major {@code C[m,n] = A[m,k] B[k,n]}: cuBLAS computes
     * {@code C^T = B^T A^T}, so its first operand is B and its second A. A row-major operand is the
     * column-major transpose with the same leading dim (op N); a column-major one needs op T.
     */
    public record Call(boolean transFirst, int ldFirst, long strideFirst, boolean transSecond, int ldSecond,
                       long strideSecond, int m, int n, int k, int ldc) {}

    /** The cuBLAS arguments for planned operands a [m,k] and b [k,n]: gemm(opB, opA, n, m, k, B, A, C ldc=n). */
    public static Call call(GemmPlan a, GemmPlan b, int m, int n, int k) {
        return new Call(b.transposed, b.ld, b.batchStride, a.transposed, a.ld, a.batchStride, n, m, k, Math.max(n, 1));
    }

    /**
     * Reference semantics of a column-major strided-batched GEMM (cuBLAS's), for tests: C = alpha op(A) op(B).
     * Here A is the call's first operand (rows m x k after op), B the second (k x n).
     */
    public static void referenceGemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                     float[] a, int aOff, int lda, long strideA, float[] b, int bOff, int ldb, long strideB,
                                     float[] c, int ldc, long strideC, int batch) {
        for (int p = 0; p < batch; p++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int l = 0; l < k; l++) {
                        float av = transA ? a[(int) (aOff + p * strideA + l + (long) i * lda)] : a[(int) (aOff + p * strideA + i + (long) l * lda)];
                        float bv = transB ? b[(int) (bOff + p * strideB + j + (long) l * ldb)] : b[(int) (bOff + p * strideB + l + (long) j * ldb)];
                        acc += (double) av * bv;
                    }
                    c[(int) (p * strideC + i + (long) j * ldc)] = (float) (alpha * acc);
                }
    }
}
