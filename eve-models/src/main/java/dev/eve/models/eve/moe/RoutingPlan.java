package dev.eve.models.eve.moe;

/**
 * The discrete decisions of one router call over S tokens (batch-major order) and E experts: each
 * token's first (and, for top-2, second) expert, whether that assignment fit in the expert's
 * capacity, and the slot it took. {@code expertCounts} counts first choices before dropping.
 *
 * @param capacity per-expert capacity C ({@code Integer.MAX_VALUE} when dropless)
 * @param slot1    capacity slot of the first assignment, -1 if dropped
 */
public record RoutingPlan(int tokens, int experts, int topk, int capacity,
                          int[] expert1, int[] expert2, boolean[] kept1, boolean[] kept2,
                          int[] slot1, int[] slot2, long[] expertCounts) {

    /** Assignments dropped for lack of capacity: {first, second, tokens with every assignment dropped}. */
    public int[] dropped() {
        int d1 = 0, d2 = 0, both = 0;
        for (int s = 0; s < tokens; s++) {
            boolean k1 = kept1[s], k2 = topk == 2 && kept2[s];
            if (!k1) d1++;
            if (topk == 2 && !k2) d2++;
            if (!k1 && (topk == 1 || !k2)) both++;
        }
        return new int[] {d1, d2, both};
    }

    /** Kept assignments per expert (first and second choices together). */
    public long[] assignedPerExpert() {
        long[] n = new long[experts];
        for (int s = 0; s < tokens; s++) {
            if (kept1[s]) n[expert1[s]]++;
            if (topk == 2 && kept2[s]) n[expert2[s]]++;
        }
        return n;
    }
}
