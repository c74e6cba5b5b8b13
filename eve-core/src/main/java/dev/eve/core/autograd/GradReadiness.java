package dev.eve.core.autograd;

import dev.eve.core.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * When the leaves of one outermost backward have their complete gradient, so that each leaf's
 * {@link Tensor#registerGradReadyHook gradient-ready hooks} run exactly once, after its last
 * accumulation.
 *
 * <p>A leaf of the graph being walked is complete after the last node that routes a gradient to it.
 * A checkpointed block re-runs its forward and back-propagates it in a nested backward (on the same
 * thread) whose leaves the outer graph does not show: another checkpointed block, processed later,
 * may use the same parameter. So leaves that receive gradient in a nested backward are complete only
 * when the outermost backward ends (their hooks run then, in the order they were first reached),
 * unless the node running the nested backward {@linkplain Node#nestedLeaves() declares} them: then
 * the outer walk knows their last use and reports them there, like its own leaves.
 * A leaf whose hooks already ran and then receives more gradient (used outside a checkpointed block
 * and, earlier in the forward, inside one) cannot be reported correctly; that is an error rather
 * than a hook that saw a partial gradient.
 */
final class GradReadiness {

    private static final ThreadLocal<GradReadiness> ACTIVE = new ThreadLocal<>();

    private final Set<Tensor> fired = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Tensor> deferredSet = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<Tensor> deferred = new ArrayList<>();
    /** Leaves declared by the outer node whose backward is running now, and those of them reached. */
    private Set<Tensor> declared = Set.of();
    private final Set<Tensor> reachedDeclared = Collections.newSetFromMap(new IdentityHashMap<>());

    private GradReadiness() {}

    /** The session of the outermost backward running on this thread, or null. */
    static GradReadiness active() {
        return ACTIVE.get();
    }

    /** Starts the session of an outermost backward on this thread. */
    static GradReadiness begin() {
        GradReadiness r = new GradReadiness();
        ACTIVE.set(r);
        return r;
    }

    /** Ends the session (also after a failure). */
    void end() {
        ACTIVE.remove();
    }

    /** {@code leaf} is about to receive gradient; refuses a leaf whose hooks have already run. */
    void accumulating(Tensor leaf) {
        if (fired.contains(leaf))
            throw new IllegalStateException("a leaf of shape " + dev.eve.core.tensor.Shapes.format(leaf.shape())
                    + " received more gradient after its gradient-ready hook ran in this backward (it is used both inside a"
                    + " checkpointed block and after it); gradient-ready hooks need such a leaf to be used only inside or only outside");
    }

    /**
     * The outermost walk is about to run {@code node}'s backward: the leaves it declares are reported by
     * that walk (at their last use), not deferred, when its nested backward completes them.
     */
    void enter(Node node) {
        java.util.Collection<Tensor> leaves = node.nestedLeaves();
        if (leaves.isEmpty()) return;
        declared = Collections.newSetFromMap(new IdentityHashMap<>());
        declared.addAll(leaves);
    }

    /** {@code node}'s backward has returned. */
    void exit() {
        declared = Set.of();
    }

    /** Whether a nested backward of a declaring node has reached {@code leaf} in this backward. */
    boolean reachedThroughNested(Tensor leaf) {
        return reachedDeclared.contains(leaf);
    }

    /** Every gradient of the walked graph has reached {@code leaf}; {@code nested}: that graph is a checkpointed block's. */
    void complete(Tensor leaf, boolean nested) {
        if (!leaf.hasGradReadyHooks()) return;
        if (nested && declared.contains(leaf) && !deferredSet.contains(leaf)) {
            reachedDeclared.add(leaf);   // the outer walk reports it after its last declaring node
            return;
        }
        if (nested || deferredSet.contains(leaf)) {
            if (deferredSet.add(leaf)) deferred.add(leaf);
            return;
        }
        fire(leaf);
    }

    /** The end of the outermost backward: the leaves reached by nested backwards are complete now. */
    void finish() {
        for (Tensor leaf : deferred) fire(leaf);
        deferred.clear();
        deferredSet.clear();
    }

    private void fire(Tensor leaf) {
        if (fired.add(leaf)) leaf.runGradReadyHooks();
    }
}
