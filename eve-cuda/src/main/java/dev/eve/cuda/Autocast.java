package dev.eve.cuda;

import dev.eve.core.tensor.DType;

/**
 * bf16 autocast for the CUDA backend's matmul and attention, with F32 master weights: inside the scope,
 * F32 inputs of {@code CudaBackend.matmul} and {@code attention} are rounded to BF16 on the fly and the
 * products accumulate in F32 (outputs stay F32, so the rest of the graph and the optimizer see F32).
 * Scopes nest and are per thread:
 *
 * <pre>{@code
 * try (Autocast ignored = Autocast.bf16()) {
 *     loss = model.forward(batch);
 * }
 * }</pre>
 */
public final class Autocast implements AutoCloseable {

    private static final ThreadLocal<DType[]> CURRENT = ThreadLocal.withInitial(() -> new DType[] {null});

    private final DType previous;
    private boolean closed;

    private Autocast(DType type) {
        DType[] cur = CURRENT.get();
        previous = cur[0];
        cur[0] = type;
    }

    /** Enters a BF16 autocast scope on this thread. */
    public static Autocast bf16() {
        return new Autocast(DType.BF16);
    }

    /** Enters a scope with autocast off (inside an autocast scope: a region that must stay F32). */
    public static Autocast disabled() {
        return new Autocast(null);
    }

    /** The type F32 matmul/attention inputs are cast to on this thread, or null when autocast is off. */
    public static DType current() {
        return CURRENT.get()[0];
    }

    public static boolean isActive() {
        return current() != null;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        CURRENT.get()[0] = previous;
    }
}
