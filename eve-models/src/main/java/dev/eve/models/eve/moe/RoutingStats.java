package dev.eve.models.eve.moe;

import dev.eve.models.eve.Mode;

import java.util.EnumMap;
import java.util.Map;

/**
 * Running routing statistics of one MoE layer per modality: first-choice tokens per expert, kept
 * assignments per expert and dropped assignments, summed over forward passes until {@link #reset()}.
 */
public final class RoutingStats {

    /** Totals for one modality. */
    public static final class Counts {
        public final long[] firstChoice, assigned;
        public long tokens, dropped1, dropped2, droppedAll, forwards;

        Counts(int experts) {
            firstChoice = new long[experts];
            assigned = new long[experts];
        }
    }

    private final int experts;
    private final Map<Mode, Counts> byMode = new EnumMap<>(Mode.class);

    public RoutingStats(int experts) {
        this.experts = experts;
    }

    synchronized void add(Mode mode, RoutingPlan plan) {
        Counts c = byMode.computeIfAbsent(mode, m -> new Counts(experts));
        long[] assigned = plan.assignedPerExpert();
        for (int e = 0; e < experts; e++) {
            c.firstChoice[e] += plan.expertCounts()[e];
            c.assigned[e] += assigned[e];
        }
        int[] d = plan.dropped();
        c.tokens += plan.tokens();
        c.dropped1 += d[0];
        c.dropped2 += d[1];
        c.droppedAll += d[2];
        c.forwards++;
    }

    /** Totals for a modality, or null if none was routed. */
    public synchronized Counts get(Mode mode) {
        return byMode.get(mode);
    }

    public synchronized void reset() {
        byMode.clear();
    }
}
