package dev.eve.core.optim;

/**
 * Drives an optimizer's learning rate from a schedule, like PyTorch's LambdaLR: the constructor sets
 * {@code base * factor(0)}; each {@link #step()} after an optimizer step advances one step.
 */
public final class LrScheduler {

    private final AdamW optimizer;
    private final LrSchedule schedule;
    private final double baseLr;
    private long step;

    public LrScheduler(AdamW optimizer, LrSchedule schedule) {
        this(optimizer, schedule, optimizer.lr(), 0);
    }

    /** Resumes at {@code step} (e.g. from a checkpoint). */
    public LrScheduler(AdamW optimizer, LrSchedule schedule, double baseLr, long step) {
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.baseLr = baseLr;
        this.step = step;
        optimizer.setLr(baseLr * schedule.factor(step));
    }

    public void step() {
        step++;
        optimizer.setLr(baseLr * schedule.factor(step));
    }

    public long currentStep() {
        return step;
    }

    public double baseLr() {
        return baseLr;
    }

    /** The learning rate in use now. */
    public double lr() {
        return optimizer.lr();
    }
}
