package dev.eve.core.autograd;

import dev.eve.core.tensor.Tensor;

/**
 * One recorded op of the autograd graph: it knows the inputs it was applied to and how to turn the
 * gradient of its output into gradients of those inputs. Subclasses keep the tensors their backward
 * needs (as detached views, so the graph holds no cycles) and drop them in {@link #releaseSaved()}.
 */
public abstract class Node {

    private final Tensor[] inputs;
    private boolean released;

    /** {@code inputs} in the order {@link #backward} returns their gradients. */
    protected Node(Tensor... inputs) {
        this.inputs = inputs.clone();
    }

    /** The op's name in error messages and graph dumps. */
    public String name() {
        return getClass().getSimpleName();
    }

    /**
     * Gradients w.r.t. each input, in constructor order, given the gradient of the output; an entry
     * may be null when that input needs none. Runs with gradient recording disabled.
     */
    protected abstract Tensor[] backward(Tensor grad);

    /** Frees the tensors saved for backward. */
    protected void releaseSaved() {}

    /**
     * The leaves this node's backward accumulates gradient into through a nested backward of a graph
     * of its own (the outer graph does not show them). Declaring them lets their
     * {@link Tensor#registerGradReadyHook gradient-ready hooks} run as soon as the outer walk is past
     * their last use, instead of at the end of the whole backward; a node that cannot know them (a
     * checkpointed block, which builds its graph only in backward) declares none.
     */
    protected java.util.Collection<Tensor> nestedLeaves() {
        return java.util.List.of();
    }

    /** The inputs this node routes gradients to (entries may be null). */
    public final Tensor[] inputs() {
        return inputs.clone();
    }

    final Tensor input(int i) {
        return inputs[i];
    }

    final int inputCount() {
        return inputs.length;
    }

    final boolean isReleased() {
        return released;
    }

    final void release() {
        if (!released) {
            released = true;
            releaseSaved();
        }
    }

    /** Whether any of {@code tensors} requires grad while recording is enabled. */
    public static boolean needsGrad(Tensor... tensors) {
        if (!GradMode.isEnabled()) return false;
        for (Tensor t : tensors) if (t != null && t.requiresGrad()) return true;
        return false;
    }

    /** Makes {@code node} the history of {@code out} (when recording) and returns {@code out}. */
    public static Tensor record(Tensor out, Node node) {
        out.attachGradFn(node);
        return out;
    }
}
