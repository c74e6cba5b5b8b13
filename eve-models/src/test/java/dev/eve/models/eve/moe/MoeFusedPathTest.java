package dev.eve.models.eve.moe;

import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.MoeParams;
import dev.eve.models.eve.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The MoE layer's fused data path (one dispatch into a packed buffer, experts on slices, one combine)
 * against the composed reference it replaced (index_select per expert, multiply, cat, index_add): the
 * output and l_aux bit for bit, and every gradient (input tokens, router, modality embeddings, every
 * expert parameter) to float rounding, over top-1 / top-2, capacity drops, dropless, tokens with every
 * choice dropped, the three modes, train and eval.
 */
class MoeFusedPathTest {

    private static final int DIM = 12, HIDDEN = 20, BATCH = 3, SEQ = 9, VISION_TOKENS = 5;

    private record Run(Tensor output, float lAux, RoutingPlan plan, Tensor inputGrad, Map<String, Tensor> params) {}

    private static Run run(MoeParams params, Mode mode, boolean training, MoeLayer.DataPath path) {
        MoeLayer layer = new MoeLayer(DIM, HIDDEN, "gelu", params, VISION_TOKENS, 0.5, new Generator(21));
        layer.train(training);
        Tensor x = Tensor.randn(new Generator(22), BATCH, SEQ, DIM).requiresGrad(true);
        MoeLayer.Output out = layer.forward(x, mode, VISION_TOKENS, 0, false, path);
        Tensor probe = Tensor.randn(new Generator(23), BATCH, SEQ, DIM);
        out.output().mul(probe).sum().add(out.lAux().mul(0.7)).backward();
        return new Run(out.output().detach(), out.lAux().item(), out.routing().plan(), x.grad(), layer.namedParameters());
    }

    private static void assertNear(Tensor expected, Tensor actual, String what) {
        assertNotNull(expected, what + ": no reference gradient");
        assertNotNull(actual, what + ": no gradient");
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        for (int i = 0; i < e.length; i++)
            if (!(Math.abs(e[i] - a[i]) <= 1e-5 * Math.max(1, Math.abs(e[i]))))
                fail(what + ": element " + i + " expected " + e[i] + ", got " + a[i]);
    }

    private static RoutingPlan compare(MoeParams params, Mode mode, boolean training) {
        Run fused = run(params, mode, training, MoeLayer.DataPath.FUSED);
        Run ref = run(params, mode, training, MoeLayer.DataPath.COMPOSED);
        String what = "top-" + params.topk() + " " + mode + (training ? " train" : " eval") + (params.dropless() ? " dropless" : "");
        assertArrayEquals(ref.output().toFloatArray(), fused.output().toFloatArray(), what + ": output (bit for bit)");
        assertEquals(ref.lAux(), fused.lAux(), what + ": l_aux");
        assertNear(ref.inputGrad(), fused.inputGrad(), what + ": d input");
        assertEquals(ref.params().keySet(), fused.params().keySet());
        int withGrad = 0;
        for (var e : ref.params().entrySet()) {
            Tensor rg = e.getValue().grad(), fg = fused.params().get(e.getKey()).grad();
            if (rg == null && fg == null) continue; // an expert no token reached, in both
            assertNear(rg, fg, what + ": d " + e.getKey());
            withGrad++;
        }
        assertTrue(withGrad >= 3, what + ": gradients reached the router and the experts");
        return fused.plan();
    }

    @Test
    void expertGradientsAreReportedReadyBeforeTheLayersBelowHaveTheirs() {
        // What overlapping the data-parallel all-reduce with backward needs: the experts' gradients
        // (computed in the segments' nested backward) are complete once backward is past this layer.
        MoeParams params = new MoeParams(4, 2, true, 2.0, 2.0, 1, false, MoeParams.GumbelNoise.NEVER);
        MoeLayer layer = new MoeLayer(DIM, HIDDEN, "gelu", params, VISION_TOKENS, 0.5, new Generator(21));
        Tensor below = Tensor.randn(new Generator(24), DIM).requiresGrad(true);   // a parameter of an earlier layer
        java.util.List<String> ready = new java.util.ArrayList<>();
        java.util.List<Boolean> belowStillEmpty = new java.util.ArrayList<>();
        below.registerGradReadyHook(t -> ready.add("below"));
        layer.namedParameters().forEach((name, p) -> {
            if (name.startsWith("experts.")) p.registerGradReadyHook(t -> {
                ready.add(name);
                belowStillEmpty.add(below.grad() == null);
            });
        });
        Tensor x = Tensor.randn(new Generator(22), BATCH, SEQ, DIM).add(below);
        layer.forward(x, Mode.VL, VISION_TOKENS, 0, false).output().square().sum().backward();
        assertTrue(ready.size() > 1 && ready.get(ready.size() - 1).equals("below"), "order: " + ready);
        assertTrue(belowStillEmpty.stream().allMatch(b -> b), "every expert reported before the layer below: " + ready);
    }

    @ParameterizedTest(name = "top-{0} {1} training={2}")
    @CsvSource({"1,VL,true", "1,VISION,false", "1,TEXT,true", "2,VL,true", "2,VISION,true", "2,TEXT,false", "2,VL,false"})
    void fusedEqualsComposedWithCapacityDrops(int topk, Mode mode, boolean training) {
        // capacity factor 0.5 over 4 experts: C = ceil(27 / 4 * 0.5 * topk) drops many assignments
        MoeParams params = new MoeParams(4, topk, true, 0.5, 0.5, 1, false, MoeParams.GumbelNoise.NEVER);
        RoutingPlan plan = compare(params, mode, training);
        assertTrue(plan.dropped()[0] > 0, "the case drops first choices");
        if (topk == 2) assertTrue(plan.dropped()[2] > 0, "the case has tokens with every choice dropped");
    }

    @ParameterizedTest(name = "top-{0} dropless {1}")
    @CsvSource({"1,VL", "2,VL", "2,TEXT"})
    void fusedEqualsComposedDropless(int topk, Mode mode) {
        MoeParams params = new MoeParams(4, topk, true, 1.0, 1.0, 0, true, MoeParams.GumbelNoise.NEVER);
        RoutingPlan plan = compare(params, mode, true);
        assertArrayEquals(new int[] {0, 0, 0}, plan.dropped());
    }

    @Test
    void fusedEqualsComposedWithoutModalityRouting() {
        compare(new MoeParams(3, 2, false, 1.0, 1.0, 4, false, MoeParams.GumbelNoise.NEVER), Mode.VL, true);
    }

    // ------------------------------------------------------------------------------------------ hand-made plans

    /** Both static paths on one plan, with the same experts and leaves: outputs bit for bit, gradients close. */
    private static void comparePlan(RoutingPlan plan, String what) {
        Experts experts = new Experts(plan.experts(), DIM, HIDDEN, "gelu", new Generator(31));
        Tensor[] results = new Tensor[2];
        Tensor[][] grads = new Tensor[2][];
        for (int p = 0; p < 2; p++) {
            experts.zeroGrad();
            Tensor tokens = Tensor.randn(new Generator(32), plan.tokens(), DIM).requiresGrad(true);
            Tensor w1 = Tensor.rand(new Generator(33), plan.tokens()).requiresGrad(true);
            Tensor w2 = plan.topk() == 2 ? Tensor.rand(new Generator(34), plan.tokens()).requiresGrad(true) : null;
            MoeLayer.ExpertFn run = (ex, rows) -> experts.get(ex).forward(rows);
            Tensor out = p == 0 ? MoeLayer.dispatchAndCombine(run, tokens, plan, w1, w2)
                    : MoeLayer.composedDispatchAndCombine(run, tokens, plan, w1, w2);
            results[p] = out.detach();
            if (out.requiresGrad()) out.mul(Tensor.randn(new Generator(35), out.shape())).sum().backward();
            grads[p] = new Tensor[] {tokens.grad(), w1.grad(), w2 == null ? null : w2.grad(),
                    experts.get(0).namedParameters().values().iterator().next().grad()};
        }
        assertArrayEquals(results[1].toFloatArray(), results[0].toFloatArray(), what + ": output");
        for (int i = 0; i < grads[0].length; i++) {
            if (grads[1][i] == null) {
                assertEquals(null, grads[0][i], what + ": gradient " + i + " only on the fused path");
                continue;
            }
            assertNear(grads[1][i], grads[0][i], what + ": gradient " + i);
        }
    }

    private static RoutingPlan plan(int experts, int[] e1, int[] e2, int[] slot1, int[] slot2) {
        int s = e1.length;
        boolean[] k1 = new boolean[s], k2 = new boolean[s];
        long[] counts = new long[experts];
        for (int t = 0; t < s; t++) {
            k1[t] = slot1[t] >= 0;
            k2[t] = e2 != null && slot2[t] >= 0;
            counts[e1[t]]++;
        }
        int[] none = new int[s];
        Arrays.fill(none, -1);
        return new RoutingPlan(s, experts, e2 == null ? 1 : 2, 2, e1, e2 == null ? none : e2, k1, k2, slot1,
                slot2 == null ? none.clone() : slot2, counts);
    }

    @Test
    void aTokenWithBothChoicesDroppedAndAnIdleExpert() {
        // expert 2 gets nothing; token 3 loses both choices; token 1's second choice is dropped
        RoutingPlan p = plan(3, new int[] {0, 0, 1, 0}, new int[] {1, 1, 0, 1},
                new int[] {0, 1, 0, -1}, new int[] {1, -1, -1, -1});
        ExpertRows rows = ExpertRows.of(p);
        assertArrayEquals(new int[] {0, 1, 2, -1,   3, -1, -1, -1}, rows.rows());
        assertArrayEquals(new int[] {0, 2, 4, 4}, rows.offsets());
        comparePlan(p, "hand-made top-2");
    }

    @Test
    void everyAssignmentDroppedGivesZerosOnBothPaths() {
        RoutingPlan p = plan(2, new int[] {0, 1, 0}, new int[] {1, 0, 1}, new int[] {-1, -1, -1}, new int[] {-1, -1, -1});
        assertEquals(0, ExpertRows.of(p).total());
        comparePlan(p, "all dropped");
        RoutingPlan one = plan(2, new int[] {1, 1}, null, new int[] {0, 1}, null);
        comparePlan(one, "top-1, one expert takes everything");
    }

    // ------------------------------------------------------------------------------------------ expert segments

    private static RoutingPlan randomPlan() {
        float[] logits = Tensor.randn(new Generator(41), 30, 4).toFloatArray();
        return Gating.top2(GatingTest.softmax(logits, 4), logits, null, 30, 4, 0.75, 1, false);
    }

    @Test
    void expertParametersGetGradientsWhenTheTokensNeedNone() {
        RoutingPlan plan = randomPlan();
        Tensor tokens = Tensor.randn(new Generator(42), 30, DIM), w1 = Tensor.rand(new Generator(43), 30), w2 = Tensor.rand(new Generator(44), 30);
        Tensor probe = Tensor.randn(new Generator(45), 30, DIM);
        Tensor[][] grads = new Tensor[2][];
        for (int p = 0; p < 2; p++) {
            Experts experts = new Experts(4, DIM, HIDDEN, "gelu", new Generator(46));
            MoeLayer.ExpertFn run = (ex, rows) -> experts.get(ex).forward(rows);
            Tensor out = p == 0 ? MoeLayer.dispatchAndCombine(run, tokens, plan, w1, w2)
                    : MoeLayer.composedDispatchAndCombine(run, tokens, plan, w1, w2);
            out.mul(probe).sum().backward();
            grads[p] = experts.parameters().stream().map(Tensor::grad).toArray(Tensor[]::new);
        }
        for (int i = 0; i < grads[0].length; i++) assertNear(grads[1][i], grads[0][i], "expert parameter " + i);
    }

    @Test
    void aRetainedGraphRunsBackwardTwice() {
        RoutingPlan plan = randomPlan();
        Experts experts = new Experts(4, DIM, HIDDEN, "gelu", new Generator(47));
        Tensor tokens = Tensor.randn(new Generator(48), 30, DIM).requiresGrad(true);
        Tensor out = MoeLayer.dispatchAndCombine((ex, rows) -> experts.get(ex).forward(rows), tokens, plan,
                Tensor.rand(new Generator(49), 30), Tensor.rand(new Generator(50), 30));
        Tensor g = Tensor.randn(new Generator(51), 30, DIM);
        out.backward(g, true);
        float[] once = tokens.grad().toFloatArray(), onceParam = experts.get(0).parameters().get(0).grad().toFloatArray();
        out.backward(g);
        float[] twice = tokens.grad().toFloatArray(), twiceParam = experts.get(0).parameters().get(0).grad().toFloatArray();
        for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], twice[i], 1e-5 * Math.max(1, Math.abs(once[i])), "d tokens " + i);
        for (int i = 0; i < onceParam.length; i++)
            assertEquals(2 * onceParam[i], twiceParam[i], 1e-5 * Math.max(1, Math.abs(onceParam[i])), "d expert 0 weight " + i);
    }

    @Test
    void withoutGradModeNothingIsRecorded() {
        RoutingPlan plan = randomPlan();
        Experts experts = new Experts(4, DIM, HIDDEN, "gelu", new Generator(52));
        Tensor tokens = Tensor.randn(new Generator(53), 30, DIM).requiresGrad(true);
        try (var ignored = dev.eve.core.autograd.NoGrad.enter()) {
            Tensor out = MoeLayer.dispatchAndCombine((ex, rows) -> experts.get(ex).forward(rows), tokens, plan,
                    Tensor.rand(new Generator(54), 30), Tensor.rand(new Generator(55), 30));
            assertEquals(null, out.gradFn());
        }
    }

    @Test
    void slotsThatWouldShareARowAreRefused() {
        // two kept first choices of expert 0 in slots 0 and 2: only 2 kept, so slot 2 is out of the packed block
        RoutingPlan p = plan(1, new int[] {0, 0}, null, new int[] {0, 2}, null);
        String m = assertThrows(IllegalStateException.class, () -> ExpertRows.of(p)).getMessage();
        assertTrue(m.contains("token 1") && m.contains("slot 2"), m);
    }
}
