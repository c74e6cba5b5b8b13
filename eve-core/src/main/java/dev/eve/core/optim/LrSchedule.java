package dev.eve.core.optim;

/**
 * A learning-rate multiplier as a function of the step, with the formulas of Hugging Face's
 * {@code get_linear_schedule_with_warmup} / {@code get_cosine_schedule_with_warmup} (which EVE's
 * training scripts use): linear warm-up from 0, then linear decay to 0 or half a cosine to 0.
 */
public interface LrSchedule {

    /** Multiplier of the base learning rate at {@code step} (0-based count of optimizer steps done). */
    double factor(long step);

    static int warmupSteps(long totalSteps, double warmupFraction) {
        if (!(warmupFraction >= 0 && warmupFraction <= 1))
            throw new IllegalArgumentException("warm-up fraction must be in [0, 1], got " + warmupFraction);
        return (int) (totalSteps * warmupFraction);
    }

    /** Linear warm-up for {@code warmupSteps}, then linear decay to 0 at {@code totalSteps}. */
    static LrSchedule linear(long totalSteps, long warmupSteps) {
        check(totalSteps, warmupSteps);
        return step -> {
            if (step < warmupSteps) return (double) step / Math.max(1, warmupSteps);
            return Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
        };
    }

    /** Linear warm-up, then half a cosine period down to 0 at {@code totalSteps}. */
    static LrSchedule cosine(long totalSteps, long warmupSteps) {
        check(totalSteps, warmupSteps);
        return step -> {
            if (step < warmupSteps) return (double) step / Math.max(1, warmupSteps);
            double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
            return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * 2.0 * 0.5 * progress)));
        };
    }

    /** Always 1. */
    static LrSchedule constant() {
        return step -> 1.0;
    }

    private static void check(long total, long warmup) {
        if (total <= 0) throw new IllegalArgumentException("total steps must be positive, got " + total);
        if (warmup < 0 || warmup > total)
            throw new IllegalArgumentException("warm-up steps must be in [0, " + total + "], got " + warmup);
    }
}
