package dev.eve.core.backend;

import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Storage;
import dev.eve.core.tensor.Tensor;

/**
 * The primitive kernels a device provides. Inputs are tensors of this backend's device, viewed with
 * any strides (including the zero strides of broadcast views) unless a method says otherwise; outputs
 * are new contiguous tensors. Nothing here records autograd history: the op layer
 * ({@code dev.eve.core.ops}) composes these kernels and defines the backward passes, so every
 * differentiable op runs on every backend.
 *
 * <p>Shapes are checked by the op layer; backends may assume consistent arguments.
 */
public interface Backend {

    Device device();

    /**
     * Waits until the work queued on this device so far has finished (the CUDA backend's
     * {@code cudaStreamSynchronize}). Backends whose kernels have finished when they return, like the
     * CPU backend, need nothing: the default returns at once. For timing, not for correctness: reading
     * a result back to the host already waits for the kernels that produced it.
     */
    default void synchronize() {}

    // ---------------------------------------------------------------- memory and transfers

    /** A zero-filled storage of {@code numel} elements. */
    Storage allocate(DType dtype, int numel);

    /** A storage holding a copy of {@code data}, converted to {@code dtype} (F32, BF16 or F16 on GPU). */
    Storage fromFloats(float[] data, DType dtype);

    /** A storage holding a copy of {@code data}, converted to the integer or BOOL {@code dtype}. */
    Storage fromLongs(long[] data, DType dtype);

    /** The elements of {@code t} in row-major order as floats (any dtype). */
    float[] toFloatArray(Tensor t);

    /** The elements of {@code t} in row-major order as longs (any dtype; floats are truncated). */
    long[] toLongArray(Tensor t);

    /** Copies {@code src} (same shape, possibly broadcast) into the view {@code dst}, converting dtype. */
    void copy(Tensor src, Tensor dst);

    /** Sets every element of the view {@code dst} to {@code value}. */
    void fill(Tensor dst, double value);

    // ---------------------------------------------------------------- elementwise

    Tensor unary(UnaryOp op, Tensor x);

    /** The gradient of {@code op} at {@code x} times {@code grad}; {@code y} is op(x) (some ops use it). */
    Tensor unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor grad);

    /**
     * {@code op(a, b)} for same-shaped views (the op layer broadcasts by expanding). The result type
     * is BOOL for predicates, else {@code DType.promote(a, b)}.
     */
    Tensor binary(BinaryOp op, Tensor a, Tensor b);

    /** {@code op(a, s)}, or {@code op(s, a)} when {@code scalarFirst}. */
    Tensor binaryScalar(BinaryOp op, Tensor a, double s, boolean scalarFirst);

    /** {@code a += alpha * b} in place, {@code b} broadcast to {@code a}'s shape. */
    void addInPlace(Tensor a, Tensor b, float alpha);

    /** Elementwise {@code cond ? a : b} of same-shaped views. */
    Tensor where(Tensor cond, Tensor a, Tensor b);

    // ---------------------------------------------------------------- reductions and scans

    /** Reduces the given (sorted, distinct) dims; the result keeps them with size 1. */
    Tensor reduce(ReduceOp op, Tensor x, int[] dims);

    /** Index (I64) of the max (or min) along {@code dim}; the dim is kept with size 1; first index wins ties. */
    Tensor argReduce(boolean max, Tensor x, int dim);

    /** Inclusive prefix sum along {@code dim} (F32 or integer, keeping the dtype). */
    Tensor cumsum(Tensor x, int dim);

    /** The {@code k} largest (or smallest) values along {@code dim} and their I64 indices, sorted. */
    Tensor[] topk(Tensor x, int k, int dim, boolean largest);

    // ---------------------------------------------------------------- linear algebra

    /**
     * Batched matrix product {@code alpha * a @ b}: a is [batch, m, k], b is [batch, k, n], any strides
     * (batch stride 0 for a broadcast operand); returns a contiguous [batch, m, n] F32 tensor.
     */
    Tensor matmul(Tensor a, Tensor b, float alpha);

    // ---------------------------------------------------------------- fused row kernels

    /** Softmax (or log-softmax) over the last dim. */
    Tensor softmax(Tensor x, boolean log);

    /** Gradient of softmax / log-softmax over the last dim given its output {@code y}. */
    Tensor softmaxBackward(Tensor y, Tensor grad, boolean log);

    /**
     * Layer norm over the last dim with biased variance; returns {y, mean, rstd} where mean and
     * rstd have the leading shape of x. weight/bias may be null.
     */
    Tensor[] layerNorm(Tensor x, Tensor weight, Tensor bias, float eps);

    /** Returns {gradX, gradWeight, gradBias} (the last two null when weight/bias were null). */
    Tensor[] layerNormBackward(Tensor grad, Tensor x, Tensor mean, Tensor rstd, Tensor weight, boolean hasBias);

    /**
     * Scaled dot-product attention per (batch, head) with a key-padding mask, without materialising
     * the score tensor of all heads: q [B,H,Nq,D], k/v [B,H,Nk,D], keyMask [B,Nk] (non-zero = attend)
     * or null. Returns {out [B,H,Nq,D], logsumexp [B,H,Nq]}.
     */
    Tensor[] attention(Tensor q, Tensor k, Tensor v, Tensor keyMask, float scale);

    /** Returns {gradQ, gradK, gradV} of {@link #attention}. */
    Tensor[] attentionBackward(Tensor q, Tensor k, Tensor v, Tensor keyMask, float scale,
                               Tensor out, Tensor logsumexp, Tensor gradOut);

    /**
     * Masked-prediction cross-entropy, fused (llm.c's classifier): row i of {@code hidden} [n, H] (the
     * rows to score, already gathered) is projected onto the vocabulary, {@code logits[i] = hidden[i] .
     * weight^T + bias} with weight [V, H] and bias [V] (or null), and scored against {@code targets[i]}
     * (I64 [n], each in [0, V)). The logits are produced a vocabulary chunk at a time and folded into an
     * online log-sum-exp, so that no [n, V] tensor exists. Returns {loss [n] = lse - logits[i][target],
     * lse [n]}, the per-row log-sum-exp saved for {@link #maskedCrossEntropyBackward}.
     */
    Tensor[] maskedCrossEntropyForward(Tensor hidden, Tensor weight, Tensor bias, Tensor targets);

    /**
     * Gradients of {@link #maskedCrossEntropyForward} given {@code rowGrad} [n], the gradient of each
     * row's loss: with {@code dlogits[i] = (softmax(logits[i]) - onehot(targets[i])) * rowGrad[i]}
     * (the logits recomputed chunk by chunk from {@code lse}), returns {dHidden [n, H] = dlogits . weight,
     * dWeight [V, H] = dlogits^T . hidden, dBias [V] = column sums of dlogits}. An entry is null when its
     * flag is false. Results do not depend on the thread count.
     */
    Tensor[] maskedCrossEntropyBackward(Tensor hidden, Tensor weight, Tensor bias, Tensor targets, Tensor lse,
                                        Tensor rowGrad, boolean needHidden, boolean needWeight, boolean needBias);

    // ---------------------------------------------------------------- indexing

    /** Selects entries of {@code index} (I64/I32, 1-d) along {@code dim}. */
    Tensor indexSelect(Tensor x, int dim, Tensor index);

    /** {@code dst.index_add_(dim, index, src)} in place on the contiguous {@code dst}. */
    void indexAdd(Tensor dst, int dim, Tensor index, Tensor src);

    /** {@code torch.gather(x, dim, index)}. */
    Tensor gather(Tensor x, int dim, Tensor index);

    /** {@code dst.scatter_(dim, index, src)} (accumulate=false) or scatter_add_ in place on contiguous {@code dst}. */
    void scatter(Tensor dst, int dim, Tensor index, Tensor src, boolean accumulate);

    // ---------------------------------------------------------------- mixture of experts

    /*
     * The MoE primitives move tokens between the batch [S, H] and a packed expert buffer [R, H] by a
     * row map rows (I32 [k, S]): rows[j, s] is the buffer row of token s's j-th expert assignment, or -1
     * when that assignment was dropped. Kept assignments name distinct rows in [0, R) (the op layer,
     * dev.eve.core.ops.Moe, checks this), so every buffer row has at most one writer and no kernel
     * needs atomics; every result is a gather or a row write and does not depend on the thread count.
     * The model packs an expert's assignments into one contiguous block of rows (no padding), so each
     * expert's input is a slice of the buffer.
     */

    /**
     * MoE dispatch: {@code out[rows[j, s]] = tokens[s]} for every kept assignment; tokens [S, H], rows
     * I32 [k, S]. Returns [outRows, H] of the tokens' dtype; rows no assignment names are 0.
     */
    Tensor moeDispatch(Tensor tokens, Tensor rows, int outRows);

    /**
     * MoE combine: {@code out[s] = sum_j weights[j, s] * y[rows[j, s]]} over the kept assignments, j in
     * increasing order starting from 0 (a product rounded, then added: no fused multiply-add, so that
     * with k <= 2 the CPU result equals a scatter-add of the weighted rows into zeros bit for bit).
     * y [R, H]; rows I32 [k, S]; weights F32 [k, S] or null for all ones. Returns [S, H] of y's dtype; a
     * token whose assignments were all dropped gets a zero row. With null weights this is also the
     * backward of {@link #moeDispatch}.
     */
    Tensor moeCombine(Tensor y, Tensor rows, Tensor weights);

    /**
     * Gradients of {@link #moeCombine} given {@code grad} [S, H]: {dY [R, H] (R = y's rows, y's dtype)
     * with {@code dY[rows[j, s]] = weights[j, s] * grad[s]} and 0 in rows no assignment names, dWeights
     * F32 [k, S] with {@code dWeights[j, s] = grad[s] . y[rows[j, s]]} and 0 for dropped assignments}.
     * {@code weights} null means all ones; dWeights is null when {@code weightGrad} is false.
     */
    Tensor[] moeCombineBackward(Tensor grad, Tensor y, Tensor rows, Tensor weights, boolean weightGrad);

    // ---------------------------------------------------------------- convolution

    /**
     * im2col for NCHW images: x [B,C,H,W] -> [B, C*kh*kw, outH*outW] with the given stride, padding
     * and dilation (zero padding).
     */
    Tensor unfold2d(Tensor x, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw);

    /** col2im, the adjoint of {@link #unfold2d}: sums overlapping patches into [B,C,H,W]. */
    Tensor fold2d(Tensor cols, int channels, int height, int width,
                  int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw);

    // ---------------------------------------------------------------- optimizer

    /**
     * One AdamW step in place (PyTorch's single-tensor algorithm): p *= 1 - lr*wd; m = b1 m + (1-b1) g;
     * v = b2 v + (1-b2) g^2; p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps).
     */
    void adamwStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq,
                   double lr, double beta1, double beta2, double eps, double weightDecay, long step);
}
