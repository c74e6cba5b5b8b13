package dev.eve.core.autograd;

import dev.eve.core.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Tensor#registerGradReadyHook}: once per leaf per backward, after the leaf's last accumulation. */
class GradReadyHookTest {

    /** What a hook saw: which leaf, and its gradient at that moment (copied, as the reducer copies it). */
    record Seen(String name, float[] grad) {}

    private static void watch(List<Seen> log, String name, Tensor leaf) {
        leaf.registerGradReadyHook(t -> log.add(new Seen(name, t.grad().toFloatArray())));
    }

    @Test
    void aParameterUsedSeveralTimesFiresOnceWithItsWholeGradient() {
        Tensor w = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        Tensor x = Tensor.of(new float[] {3, 4});
        List<Seen> log = new ArrayList<>();
        watch(log, "w", w);
        // d/dw of (w*x + w*w + 5w).sum() = x + 2w + 5
        w.mul(x).add(w.mul(w)).add(w.mul(5)).sum().backward();
        assertEquals(1, log.size());
        assertArrayEquals(new float[] {10, 13}, log.get(0).grad());
        assertArrayEquals(w.grad().toFloatArray(), log.get(0).grad());
    }

    @Test
    void laterLayersAreReadyFirstWhileBackwardIsStillRunning() {
        Tensor x = Tensor.of(new float[] {1, 2, 3});
        Tensor w1 = Tensor.of(new float[] {2}).requiresGrad(true), w2 = Tensor.of(new float[] {3}).requiresGrad(true),
                w3 = Tensor.of(new float[] {4}).requiresGrad(true);
        List<String> order = new ArrayList<>();
        List<Boolean> earlierStillEmpty = new ArrayList<>();
        w1.registerGradReadyHook(t -> order.add("w1"));
        w2.registerGradReadyHook(t -> order.add("w2"));
        w3.registerGradReadyHook(t -> {
            order.add("w3");
            earlierStillEmpty.add(w1.grad() == null && w2.grad() == null);
        });
        x.mul(w1).tanh().mul(w2).tanh().mul(w3).sum().backward();
        assertEquals(List.of("w3", "w2", "w1"), order);
        assertEquals(List.of(true), earlierStillEmpty, "w3 must be reported before the earlier layers' gradients exist");
    }

    @Test
    void leavesWithoutAGradientDoNotFire() {
        Tensor used = Tensor.of(new float[] {1}).requiresGrad(true);
        Tensor unused = Tensor.of(new float[] {1}).requiresGrad(true);
        Tensor blocked = Tensor.of(new float[] {1}).requiresGrad(true);
        List<Seen> log = new ArrayList<>();
        watch(log, "used", used);
        watch(log, "unused", unused);
        watch(log, "blocked", blocked);
        // An op that routes no gradient to its input (like an argmax would).
        Tensor cut = Node.record(blocked.detach().mul(1), new Node(blocked) {
            @Override
            protected Tensor[] backward(Tensor grad) {
                return new Tensor[] {null};
            }
        });
        used.mul(2).add(cut).sum().backward();
        assertEquals(List.of("used"), log.stream().map(Seen::name).toList());
        assertNull(blocked.grad());
        assertNull(unused.grad());
    }

    @Test
    void eachBackwardOfARetainedGraphFiresAgainWithTheAccumulatedGradient() {
        Tensor w = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        List<Seen> log = new ArrayList<>();
        watch(log, "w", w);
        Tensor y = w.exp().sum();
        y.backward(Tensor.scalar(1), true);
        y.backward(Tensor.scalar(1), true);
        assertEquals(2, log.size());
        float[] once = log.get(0).grad(), twice = log.get(1).grad();
        for (int i = 0; i < 2; i++) assertEquals(2 * once[i], twice[i], 1e-6);
    }

    @Test
    void aLeafRootFiresToo() {
        Tensor w = Tensor.of(new float[] {7}).requiresGrad(true);
        List<Seen> log = new ArrayList<>();
        watch(log, "w", w);
        w.backward(Tensor.of(new float[] {2}));
        assertEquals(1, log.size());
        assertArrayEquals(new float[] {2}, log.get(0).grad());
    }

    @Test
    void parametersOfCheckpointedBlocksFireOnceAtTheEndWithTheGradientOfEveryBlock() {
        Tensor shared = Tensor.of(new float[] {2}).requiresGrad(true);
        Tensor own = Tensor.of(new float[] {3}).requiresGrad(true);
        Tensor head = Tensor.of(new float[] {5}).requiresGrad(true);
        List<Seen> log = new ArrayList<>();
        watch(log, "shared", shared);
        watch(log, "own", own);
        watch(log, "head", head);
        Tensor x = Tensor.of(new float[] {1, 1}).requiresGrad(true);
        Tensor h = Checkpoint.apply(t -> t.mul(shared), x);
        h = Checkpoint.apply(t -> t.mul(shared).mul(own), h);
        h.mul(head).sum().backward();
        // y = sum(x * s * s * o * hd): dy/ds = 2 s o hd * 2 = 120, dy/do = s^2 hd * 2 = 40, dy/dhd = s^2 o * 2 = 24
        assertEquals(List.of("head", "own", "shared"), log.stream().map(Seen::name).toList());
        assertArrayEquals(new float[] {24}, log.get(0).grad());
        assertArrayEquals(new float[] {40}, log.get(1).grad());
        assertArrayEquals(new float[] {120}, log.get(2).grad());
    }

    @Test
    void aLeafUsedAfterACheckpointedBlockThatAlsoUsesItIsRefused() {
        Tensor w = Tensor.of(new float[] {2}).requiresGrad(true);
        w.registerGradReadyHook(t -> {});
        Tensor x = Tensor.of(new float[] {1}).requiresGrad(true);
        Tensor y = Checkpoint.apply(t -> t.mul(w), x).mul(w).sum();
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("checkpointed block"), e.getMessage());
    }

    /**
     * A node whose backward runs a graph of its own, built in forward (as eve-models' MoE expert
     * segments do): {@code x * w} with w hidden from the outer graph.
     */
    private static Tensor nestedScale(Tensor x, Tensor w, boolean declare) {
        Tensor leaf = x.detach().requiresGrad(true);
        Tensor inner = leaf.mul(w);
        return Node.record(inner.detach(), new Node(x) {
            @Override
            protected Tensor[] backward(Tensor grad) {
                Engine.backward(inner, grad, true);
                return new Tensor[] {leaf.grad()};
            }

            @Override
            protected java.util.Collection<Tensor> nestedLeaves() {
                return declare ? Engine.leaves(inner).stream().filter(t -> t != leaf).toList() : List.of();
            }
        });
    }

    @Test
    void declaredNestedLeavesFireAsSoonAsTheOuterWalkIsPastThem() {
        Tensor x = Tensor.of(new float[] {1, 2, 3});
        Tensor early = Tensor.of(new float[] {2}).requiresGrad(true), nested = Tensor.of(new float[] {3}).requiresGrad(true),
                late = Tensor.of(new float[] {4}).requiresGrad(true);
        List<String> order = new ArrayList<>();
        List<Boolean> earlyStillEmpty = new ArrayList<>();
        early.registerGradReadyHook(t -> order.add("early"));
        late.registerGradReadyHook(t -> order.add("late"));
        nested.registerGradReadyHook(t -> {
            order.add("nested");
            earlyStillEmpty.add(early.grad() == null);
        });
        Tensor h = nestedScale(x.mul(early).tanh(), nested, true).tanh();
        h.mul(late).sum().backward();
        assertEquals(List.of("late", "nested", "early"), order);
        assertEquals(List.of(true), earlyStillEmpty, "the nested leaf is reported before the earlier layer's gradient exists");
    }

    @Test
    void undeclaredNestedLeavesFireAtTheEndWithTheSameGradient() {
        float[][] grads = new float[2][];
        for (int declare = 0; declare < 2; declare++) {
            Tensor x = Tensor.of(new float[] {1, 2, 3});
            Tensor early = Tensor.of(new float[] {2}).requiresGrad(true), nested = Tensor.of(new float[] {3}).requiresGrad(true);
            List<String> order = new ArrayList<>();
            early.registerGradReadyHook(t -> order.add("early"));
            nested.registerGradReadyHook(t -> order.add("nested"));
            // nested is used twice: its gradient is complete only after both nodes ran.
            Tensor h = nestedScale(nestedScale(x.mul(early), nested, declare == 1).tanh(), nested, declare == 1);
            h.sum().backward();
            assertEquals(declare == 1 ? List.of("nested", "early") : List.of("early", "nested"), order);
            grads[declare] = nested.grad().toFloatArray();
        }
        assertArrayEquals(grads[0], grads[1]);
    }

    @Test
    void aRemovedHookIsNotCalled() {
        Tensor w = Tensor.of(new float[] {1}).requiresGrad(true);
        List<Seen> log = new ArrayList<>();
        HookHandle h = w.registerGradReadyHook(t -> log.add(new Seen("w", null)));
        w.mul(2).sum().backward();
        h.remove();
        w.mul(2).sum().backward();
        assertEquals(1, log.size());
        assertArrayEquals(new float[] {4}, w.grad().toFloatArray());
    }
}
