package dev.eve.models.eve.moe;

/**
 * Where each kept assignment of a {@link RoutingPlan} sits in the packed expert buffer that
 * {@link dev.eve.core.ops.Moe#dispatch} fills: expert e owns rows {@code offset(e) .. offset(e) + count(e) - 1}
 * (offsets are the exclusive prefix sum of the kept assignments per expert), its assignments in slot
 * order, so its input is one contiguous slice and nothing is padded.
 *
 * @param rows    the row map [k, S] row-major: {@code rows[j * S + s]} is the buffer row of token s's
 *                j-th choice, -1 when that choice was dropped
 * @param offsets [E + 1]: expert e's first row, and the total row count last
 */
public record ExpertRows(int[] rows, int[] offsets) {

    /** Packs the kept assignments of {@code plan}: row = offset(expert) + slot. */
    public static ExpertRows of(RoutingPlan plan) {
        int s = plan.tokens(), e = plan.experts(), k = plan.topk();
        long[] assigned = plan.assignedPerExpert();
        int[] offsets = new int[e + 1];
        for (int i = 0; i < e; i++) offsets[i + 1] = Math.addExact(offsets[i], Math.toIntExact(assigned[i]));
        int[] rows = new int[k * s];
        for (int j = 0; j < k; j++) {
            int[] expert = j == 0 ? plan.expert1() : plan.expert2(), slot = j == 0 ? plan.slot1() : plan.slot2();
            boolean[] kept = j == 0 ? plan.kept1() : plan.kept2();
            for (int t = 0; t < s; t++) {
                if (!kept[t]) {
                    rows[j * s + t] = -1;
                    continue;
                }
                int ex = expert[t];
                // Gating hands out the kept slots of an expert as 0 .. assigned - 1; anything else would
                // make two assignments share a row (or leave a hole), so refuse it here.
                if (slot[t] < 0 || slot[t] >= assigned[ex])
                    throw new IllegalStateException("routing plan: token " + t + " choice " + (j + 1) + " has slot " + slot[t]
                            + " in expert " + ex + ", which keeps " + assigned[ex] + " assignments (slots must be 0.."
                            + (assigned[ex] - 1) + ")");
                rows[j * s + t] = offsets[ex] + slot[t];
            }
        }
        return new ExpertRows(rows, offsets);
    }

    /** First buffer row of expert {@code e}. */
    public int offset(int e) {
        return offsets[e];
    }

    /** Kept assignments (buffer rows) of expert {@code e}. */
    public int count(int e) {
        return offsets[e + 1] - offsets[e];
    }

    /** All kept assignments: the buffer's row count. */
    public int total() {
        return offsets[offsets.length - 1];
    }
}
