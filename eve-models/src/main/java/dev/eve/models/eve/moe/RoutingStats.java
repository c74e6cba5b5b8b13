package dev.eve.models.eve.moe;

import dev.eve.models.eve.Mode;

import java.util.EnumMap;
import java.util.Map;

/**
 * Running routing statistics of one MoE layer, summed over forward passes until {@link #reset()}:
 * per pass mode (vision / text / vl passes) and per token modality (image tokens and text tokens,
 * whatever pass they were in — what "expert load per modality" means): first-choice tokens per
 * expert, kept assignments per expert and dropped assignments.
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

    /** The modality of a token. */
    public enum Modality { IMAGE, TEXT }

    private final int experts;
    private final Map<Mode, Counts> byMode = new EnumMap<>(Mode.class);
    private final Map<Modality, Counts> byModality = new EnumMap<>(Modality.class);

    public RoutingStats(int experts) {
        this.experts = experts;
    }

    /**
     * Adds a router call over sequences of {@code sequence} tokens whose first {@code visionTokens}
     * are image tokens in vl mode.
     */
    synchronized void add(Mode mode, RoutingPlan plan, int sequence, int visionTokens) {
        add(mode, plan);
        for (int s = 0; s < plan.tokens(); s++) {
            boolean image = mode == Mode.VISION || (mode == Mode.VL && s % sequence < visionTokens);
            Counts c = byModality.computeIfAbsent(image ? Modality.IMAGE : Modality.TEXT, m -> new Counts(experts));
            c.tokens++;
            c.firstChoice[plan.expert1()[s]]++;
            boolean k1 = plan.kept1()[s], k2 = plan.topk() == 2 && plan.kept2()[s];
            if (k1) c.assigned[plan.expert1()[s]]++;
            else c.dropped1++;
            if (plan.topk() == 2) {
                if (k2) c.assigned[plan.expert2()[s]]++;
                else c.dropped2++;
            }
            if (!k1 && !k2) c.droppedAll++;
        }
    }

    private void add(Mode mode, RoutingPlan plan) {
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

    /** Totals for the tokens of a modality, or null if none was routed. */
    public synchronized Counts get(Modality modality) {
        return byModality.get(modality);
    }

    public synchronized void reset() {
        byMode.clear();
        byModality.clear();
    }
}
