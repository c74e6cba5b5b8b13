package dev.eve.core.autograd;

import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reverse-mode differentiation: walks the graph of a tensor in reverse topological order. */
public final class Engine {

    private Engine() {}

    /**
     * Accumulates d(root)/d(leaf) * grad into every leaf's {@code grad}. {@code grad} may be null only
     * for a single-element root (then it is 1). Unless {@code retainGraph}, the saved tensors of the
     * graph are freed afterwards. Each leaf's gradient-ready hooks run once, when its gradient for
     * this backward is complete (see {@link GradReadiness}); how gradients accumulate is unchanged.
     */
    public static void backward(Tensor root, Tensor grad, boolean retainGraph) {
        if (!root.requiresGrad())
            throw new IllegalStateException("backward() on a tensor that does not require grad and has no grad_fn");
        if (grad == null) {
            if (root.numel() != 1)
                throw new IllegalStateException("backward() without a gradient needs a scalar output, but the output has shape "
                        + Shapes.format(root.shape()) + "; pass a gradient of that shape");
            grad = Tensor.onesLike(root);
        } else if (!java.util.Arrays.equals(grad.shape(), root.shape())) {
            throw new IllegalArgumentException("gradient shape " + Shapes.format(grad.shape())
                    + " does not match output shape " + Shapes.format(root.shape()));
        }
        GradReadiness outer = GradReadiness.active();
        boolean nested = outer != null;   // a checkpointed block's re-run inside another backward
        GradReadiness readiness = nested ? outer : GradReadiness.begin();
        try (NoGrad ignored = NoGrad.enter()) {
            Node rootNode = root.gradFn();
            if (rootNode == null) {
                readiness.accumulating(root);
                root.accumulateGrad(grad.detach());
                readiness.complete(root, nested);
            } else {
                walk(rootNode, grad, retainGraph, readiness, nested);
            }
            if (!nested) readiness.finish();
        } finally {
            if (!nested) readiness.end();
        }
    }

    private static void walk(Node rootNode, Tensor grad, boolean retainGraph, GradReadiness readiness, boolean nested) {
        List<Node> order = topologicalOrder(rootNode);
        Map<Integer, List<Tensor>> lastUses = lastUsesOfHookedLeaves(order);
        Set<Tensor> reached = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<Node, Tensor> pending = new IdentityHashMap<>();
        pending.put(rootNode, grad);
        for (int n = 0; n < order.size(); n++) {
            Node node = order.get(n);
            Tensor g = pending.remove(node);
            if (g != null) { // else no gradient reached this node
                if (node.isReleased())
                    throw new IllegalStateException("backward through " + node.name()
                            + " a second time: its saved tensors were freed by the first backward;"
                            + " call backward(grad, true) the first time to keep them");
                if (!nested) readiness.enter(node);
                Tensor[] grads;
                try {
                    grads = node.backward(g);
                } finally {
                    if (!nested) readiness.exit();
                }
                for (int i = 0; i < node.inputCount(); i++) {
                    Tensor input = node.input(i);
                    if (input == null || !input.requiresGrad()) continue;
                    Tensor gi = i < grads.length ? grads[i] : null;
                    if (gi == null) continue;
                    if (!java.util.Arrays.equals(gi.shape(), input.shape()))
                        throw new IllegalStateException(node.name() + " returned a gradient of shape "
                                + Shapes.format(gi.shape()) + " for input " + i + " of shape " + Shapes.format(input.shape()));
                    Node producer = input.gradFn();
                    if (producer == null) {
                        readiness.accumulating(input);
                        input.accumulateGrad(gi);
                        if (input.hasGradReadyHooks()) reached.add(input);
                    } else {
                        Tensor previous = pending.get(producer);
                        pending.put(producer, previous == null ? gi : previous.add(gi));
                    }
                }
                if (!retainGraph) node.release();
            }
            List<Tensor> done = lastUses.get(n);
            if (done != null)
                for (Tensor leaf : done)
                    if (reached.contains(leaf) || readiness.reachedThroughNested(leaf)) readiness.complete(leaf, nested);
        }
    }

    /**
     * For each position of {@code order}, the leaves with gradient-ready hooks whose last consumer it
     * is: after that node, no more gradient can reach them in this graph.
     */
    private static Map<Integer, List<Tensor>> lastUsesOfHookedLeaves(List<Node> order) {
        Map<Tensor, Integer> last = new IdentityHashMap<>();
        for (int n = 0; n < order.size(); n++) {
            Node node = order.get(n);
            for (int i = 0; i < node.inputCount(); i++) {
                Tensor input = node.input(i);
                if (input != null && input.gradFn() == null && input.hasGradReadyHooks()) last.put(input, n);
            }
            for (Tensor leaf : node.nestedLeaves()) if (leaf.hasGradReadyHooks()) last.put(leaf, n);
        }
        Map<Integer, List<Tensor>> byPosition = new HashMap<>();
        for (Map.Entry<Tensor, Integer> e : last.entrySet())
            byPosition.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
        return byPosition;
    }

    /** The leaves that require grad which a backward from {@code root} would reach, each once. */
    public static List<Tensor> leaves(Tensor root) {
        Node node = root.gradFn();
        if (node == null) return root.requiresGrad() ? List.of(root) : List.of();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Tensor> out = new ArrayList<>();
        for (Node n : topologicalOrder(node))
            for (int i = 0; i < n.inputCount(); i++) {
                Tensor input = n.input(i);
                if (input != null && input.gradFn() == null && input.requiresGrad() && seen.add(input)) out.add(input);
            }
        return out;
    }

    /** Nodes reachable from {@code root}, each after every node that consumes its output. */
    static List<Node> topologicalOrder(Node root) {
        // Iterative DFS post-order (deep graphs must not overflow the stack), then reversed.
        List<Node> postOrder = new ArrayList<>();
        Map<Node, Boolean> visited = new IdentityHashMap<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        visited.put(root, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Node node = (Node) frame[0];
            int next = (Integer) frame[1];
            if (next < node.inputCount()) {
                frame[1] = next + 1;
                Tensor input = node.input(next);
                Node child = input == null ? null : input.gradFn();
                if (child != null && visited.put(child, Boolean.TRUE) == null) stack.push(new Object[] {child, 0});
            } else {
                stack.pop();
                postOrder.add(node);
            }
        }
        java.util.Collections.reverse(postOrder);
        return postOrder;
    }
}
