package dev.eve.models.eve.moe;

/**
 * The routing decisions of the original gates, computed on the router's probabilities and logits:
 * GShard top-2 ({@code top2gating} of EVE's sharded_moe.py) and Switch-style top-1. Gradients do
 * not flow through these decisions; {@link MoeLayer} computes the differentiable weights from them.
 */
public final class Gating {

    private Gating() {}

    /**
     * {@code ceil(S / E * factor)} in float32 as the original computes it (with factor doubled for
     * top-2 by the caller), at least {@code minCapacity}.
     */
    public static int capacity(int tokens, int experts, double factor, int minCapacity) {
        float perExpert = (float) ((double) tokens / experts);
        float c = (float) Math.ceil(perExpert * (float) factor);
        return Math.max((int) c, minCapacity);
    }

    /** Index of the largest value of a row (first one on ties, as torch.argmax). */
    static int argmax(float[] v, int off, int n, int exclude) {
        int best = -1;
        float bv = Float.NEGATIVE_INFINITY;
        for (int e = 0; e < n; e++) {
            if (e == exclude) continue;
            float x = v[off + e];
            if (best < 0 || x > bv || (Float.isNaN(x) && !Float.isNaN(bv))) {
                best = e;
                bv = x;
            }
        }
        return best;
    }

    /**
     * Top-2 gating. {@code gates} and {@code logits} are [S, E] row-major; {@code noise} (same shape)
     * is added to the logits that pick the second expert, or null for none.
     */
    public static RoutingPlan top2(float[] gates, float[] logits, float[] noise, int tokens, int experts,
                                   double capacityFactor, int minCapacity, boolean dropless) {
        int capacity = dropless ? Integer.MAX_VALUE : capacity(tokens, experts, capacityFactor * 2, minCapacity);
        int[] e1 = new int[tokens], e2 = new int[tokens];
        float[] row = new float[experts];
        for (int s = 0; s < tokens; s++) {
            e1[s] = argmax(gates, s * experts, experts, -1);
            for (int e = 0; e < experts; e++) row[e] = logits[s * experts + e] + (noise == null ? 0f : noise[s * experts + e]);
            e2[s] = argmax(row, 0, experts, e1[s]);
        }
        long[] counts = new long[experts];
        for (int s = 0; s < tokens; s++) counts[e1[s]]++;
        boolean[] k1 = new boolean[tokens], k2 = new boolean[tokens];
        int[] slot1 = new int[tokens], slot2 = new int[tokens];
        int[] next1 = new int[experts], next2 = new int[experts];
        for (int s = 0; s < tokens; s++) {
            // loc1 = cumsum(mask1) - 1; loc2 = cumsum(mask2) - 1 + (first choices of that expert).
            int loc1 = next1[e1[s]]++;
            long loc2 = next2[e2[s]]++ + counts[e2[s]];
            k1[s] = loc1 < capacity;
            k2[s] = loc2 < capacity;
            slot1[s] = k1[s] ? loc1 : -1;
            slot2[s] = k2[s] ? (int) loc2 : -1;
        }
        return new RoutingPlan(tokens, experts, 2, capacity, e1, e2, k1, k2, slot1, slot2, counts);
    }

    /** Switch-style top-1 gating: the most probable expert, capacity {@code ceil(S/E * factor)}. */
    public static RoutingPlan top1(float[] gates, int tokens, int experts, double capacityFactor, int minCapacity, boolean dropless) {
        int capacity = dropless ? Integer.MAX_VALUE : capacity(tokens, experts, capacityFactor, minCapacity);
        int[] e1 = new int[tokens];
        long[] counts = new long[experts];
        boolean[] k1 = new boolean[tokens];
        int[] slot1 = new int[tokens], next = new int[experts];
        for (int s = 0; s < tokens; s++) {
            e1[s] = argmax(gates, s * experts, experts, -1);
            counts[e1[s]]++;
        }
        for (int s = 0; s < tokens; s++) {
            int loc = next[e1[s]]++;
            k1[s] = loc < capacity;
            slot1[s] = k1[s] ? loc : -1;
        }
        int[] none = new int[tokens];
        java.util.Arrays.fill(none, -1);
        return new RoutingPlan(tokens, experts, 1, capacity, e1, none, k1, new boolean[tokens], slot1, none.clone(), counts);
    }
}
