package dev.eve.models.train;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.time.Duration;

/** A progress bar with rate and ETA on stderr, so stdout stays clean for results. */
public final class Progress implements AutoCloseable {

    private final ProgressBar bar;

    public Progress(String task, long total, String unit) {
        bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setUnit(" " + unit, 1)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .showSpeed()
                .setEtaFunction(state -> java.util.Optional.ofNullable(eta(state.getCurrent(), state.getMax(), state.getElapsedAfterStart())))
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .build();
    }

    private static Duration eta(long done, long max, Duration elapsed) {
        if (done <= 0 || max <= 0) return null;
        return elapsed.multipliedBy(max - done).dividedBy(done);
    }

    public void step(String extra) {
        bar.step();
        if (extra != null) bar.setExtraMessage(extra);
    }

    public void message(String extra) {
        bar.setExtraMessage(extra);
    }

    @Override
    public void close() {
        bar.close();
    }
}
