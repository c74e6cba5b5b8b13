package dev.eve.models.eve.moe;

import dev.eve.core.autograd.Engine;
import dev.eve.core.autograd.GradMode;
import dev.eve.core.autograd.Node;
import dev.eve.core.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs every expert on its slice of the packed dispatch buffer and concatenates the outputs in expert
 * order, with a backward that assembles the buffer's gradient in one [R, H] tensor.
 *
 * <p>Why not plain {@code buffer.slice(...)} under autograd: the backward of each slice is a full-size
 * zero tensor with the slice's gradient written in, and the engine sums those E tensors, which costs
 * O(E x R x H) (32 full copies of the buffer for EVE's 32 experts: more than all the routing data
 * movement it serves). Here each expert sees a leaf view of its rows, so its graph ends there; this
 * node's backward runs the experts' graphs (nested, as gradient checkpointing does), which accumulates
 * the expert parameters' gradients directly, and concatenates the leaves' gradients: one R x H write.
 * The node declares the expert parameters as its {@linkplain Node#nestedLeaves() nested leaves}, so
 * their gradient-ready hooks (the data-parallel all-reduce) run as soon as backward is past this layer.
 *
 * <p>The experts must depend only on their input and on leaves (their parameters), which is what
 * {@link Experts} are: a non-leaf tensor with history captured by an expert would be back-propagated
 * through separately by the nested backward.
 */
final class ExpertSegments {

    private ExpertSegments() {}

    /** Expert e applied to rows {@code packed.offset(e) .. + packed.count(e)} of buffer, outputs concatenated. */
    static Tensor apply(MoeLayer.ExpertFn experts, Tensor buffer, ExpertRows packed) {
        int e = packed.offsets().length - 1;
        if (!GradMode.isEnabled()) return Tensor.cat(0, run(experts, buffer, packed, e, null));
        List<Tensor> leaves = new ArrayList<>();
        List<Tensor> outputs = run(experts, buffer.detach(), packed, e, leaves);
        for (Tensor leaf : leaves) leaf.requiresGrad(buffer.requiresGrad());
        Tensor inner = Tensor.cat(0, outputs);
        if (!inner.requiresGrad()) return inner; // neither the buffer nor any expert parameter needs a gradient
        return Node.record(inner.detach(), new SegmentsBackward(buffer, inner, leaves));
    }

    /** The experts' outputs in expert order; with {@code leaves} non-null each expert gets a fresh view. */
    private static List<Tensor> run(MoeLayer.ExpertFn experts, Tensor buffer, ExpertRows packed, int count, List<Tensor> leaves) {
        List<Tensor> outputs = new ArrayList<>();
        for (int ex = 0; ex < count; ex++) {
            int n = packed.count(ex);
            if (n == 0) continue; // an idle expert: nothing to run
            // a new view object per expert: with leaves, requiresGrad later marks only this one
            Tensor rows = buffer.slice(0, packed.offset(ex), packed.offset(ex) + n);
            if (leaves != null) leaves.add(rows);
            outputs.add(experts.apply(ex, rows));
        }
        return outputs;
    }

    private static final class SegmentsBackward extends Node {
        private Tensor inner;
        private List<Tensor> leaves;

        SegmentsBackward(Tensor buffer, Tensor inner, List<Tensor> leaves) {
            super(buffer);
            this.inner = inner;
            this.leaves = leaves;
        }

        @Override
        public String name() {
            return "moe_expert_segments_backward";
        }

        @Override
        protected java.util.Collection<Tensor> nestedLeaves() {
            if (inner == null) return List.of();
            java.util.Set<Tensor> views = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            views.addAll(leaves);
            return Engine.leaves(inner).stream().filter(t -> !views.contains(t)).toList();
        }

        @Override
        protected Tensor[] backward(Tensor grad) {
            for (Tensor leaf : leaves) leaf.setGrad(null); // a retained graph may run backward again
            // retainGraph: the experts' graph is freed with this node (releaseSaved), so that a second
            // backward through a retained outer graph still finds it.
            Engine.backward(inner, grad, true);
            if (!inputs()[0].requiresGrad()) return new Tensor[] {null};
            List<Tensor> grads = new ArrayList<>(leaves.size());
            for (Tensor leaf : leaves) grads.add(leaf.grad() != null ? leaf.grad() : leaf.newZeros(leaf.shape()));
            return new Tensor[] {grads.size() == 1 ? grads.get(0) : Tensor.cat(0, grads)};
        }

        @Override
        protected void releaseSaved() {
            inner = null;
            leaves = null;
        }
    }
}
