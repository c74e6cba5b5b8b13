package dev.eve.models.eve.moe;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The routing decisions of the gates on hand-made router outputs. */
class GatingTest {

    /** Softmax of each row, as the router computes before gating. */
    static float[] softmax(float[] logits, int e) {
        float[] g = new float[logits.length];
        for (int s = 0; s < logits.length / e; s++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < e; j++) max = Math.max(max, logits[s * e + j]);
            for (int j = 0; j < e; j++) sum += Math.exp(logits[s * e + j] - max);
            for (int j = 0; j < e; j++) g[s * e + j] = (float) (Math.exp(logits[s * e + j] - max) / sum);
        }
        return g;
    }

    @Test
    void capacityIsComputedLikeTheOriginal() {
        assertEquals(10, Gating.capacity(39, 8, 2.0, 4));   // ceil(39/8 * 2) = ceil(9.75)
        assertEquals(4, Gating.capacity(15, 8, 2.0, 4));    // ceil(3.75) = 4 >= min 4
        assertEquals(4, Gating.capacity(3, 8, 2.0, 4));     // the minimum wins
        assertEquals(3, Gating.capacity(24, 8, 1.0, 0));    // top-1: no doubling
    }

    @Test
    void tiesGoToTheLowerExpert() {
        float[] logits = {1, 1, 0, 0,   2, 5, 5, 0};
        RoutingPlan p = Gating.top2(softmax(logits, 4), logits, null, 2, 4, 1.0, 4, false);
        assertArrayEquals(new int[] {0, 1}, p.expert1());
        assertArrayEquals(new int[] {1, 2}, p.expert2());
    }

    @Test
    void overflowIsDroppedInBatchMajorOrderAndSecondChoicesQueueBehindFirstChoices() {
        // 6 tokens, 2 experts, capacity factor 0.5 -> C = max(ceil(6/2 * 0.5 * 2), 1) = 3.
        // Every token prefers expert 0, then expert 1.
        float[] logits = new float[12];
        for (int s = 0; s < 6; s++) {
            logits[2 * s] = 2;
            logits[2 * s + 1] = 1;
        }
        RoutingPlan p = Gating.top2(softmax(logits, 2), logits, null, 6, 2, 0.5, 1, false);
        assertEquals(3, p.capacity());
        assertArrayEquals(new boolean[] {true, true, true, false, false, false}, p.kept1());
        assertArrayEquals(new int[] {0, 1, 2, -1, -1, -1}, p.slot1());
        // Expert 1 has no first choices, so second choices take its slots 0..2 in token order.
        assertArrayEquals(new boolean[] {true, true, true, false, false, false}, p.kept2());
        assertArrayEquals(new long[] {6, 0}, p.expertCounts());
        assertArrayEquals(new int[] {3, 3, 3}, p.dropped());
    }

    @Test
    void secondChoicesStartAfterTheFirstChoiceCount() {
        // Tokens 0,1 choose expert 1 first; token 2 chooses expert 0 first and expert 1 second.
        float[] logits = {0, 3, 1,   0, 3, 1,   3, 2, 0};
        RoutingPlan p = Gating.top2(softmax(logits, 3), logits, null, 3, 3, 1.0, 3, false);
        assertEquals(3, p.capacity());
        assertArrayEquals(new int[] {1, 1, 0}, p.expert1());
        assertArrayEquals(new int[] {2, 2, 1}, p.expert2());
        // loc2 of token 2 in expert 1 = 0 + 2 first choices of expert 1 = 2 < 3: kept at slot 2.
        assertArrayEquals(new int[] {0, 1, 2}, p.slot2());
        assertArrayEquals(new int[] {0, 1, 0}, p.slot1());
    }

    @Test
    void noiseOnlyMovesTheSecondChoice() {
        float[] logits = {3, 2, 1, 0};
        float[] noise = {0, 0, 0, 5};
        RoutingPlan p = Gating.top2(softmax(logits, 4), logits, noise, 1, 4, 1.0, 4, false);
        assertEquals(0, p.expert1()[0]);
        assertEquals(3, p.expert2()[0]);
    }

    @Test
    void droplessKeepsEverything() {
        float[] logits = new float[20];
        for (int s = 0; s < 10; s++) logits[2 * s] = 1;
        RoutingPlan p = Gating.top2(softmax(logits, 2), logits, null, 10, 2, 1.0, 0, true);
        for (int s = 0; s < 10; s++) assertEquals(true, p.kept1()[s] && p.kept2()[s]);
        assertArrayEquals(new int[] {0, 0, 0}, p.dropped());
    }

    @Test
    void top1UsesTheUndoubledCapacity() {
        float[] logits = {1, 0,   1, 0,   1, 0,   0, 1};
        RoutingPlan p = Gating.top1(softmax(logits, 2), 4, 2, 1.0, 0, false);
        assertEquals(2, p.capacity());
        assertArrayEquals(new int[] {0, 0, 0, 1}, p.expert1());
        assertArrayEquals(new boolean[] {true, true, false, true}, p.kept1());
        assertArrayEquals(new long[] {3, 1}, p.expertCounts());
        assertArrayEquals(new long[] {2, 1}, p.assignedPerExpert());
    }
}
