package dev.eve.core.autograd;

/**
 * A scope in which ops record no history, like {@code torch.no_grad()}:
 * <pre>{@code try (var g = NoGrad.enter()) { ... } }</pre>
 */
public final class NoGrad implements AutoCloseable {

    private final boolean previous;
    private boolean closed;

    private NoGrad(boolean enabled) {
        this.previous = GradMode.set(enabled);
    }

    /** Disables gradient recording until closed. */
    public static NoGrad enter() {
        return new NoGrad(false);
    }

    /** Enables gradient recording until closed (inside a no-grad scope, e.g. to recompute a checkpoint). */
    public static NoGrad enableGrad() {
        return new NoGrad(true);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            GradMode.set(previous);
        }
    }
}
