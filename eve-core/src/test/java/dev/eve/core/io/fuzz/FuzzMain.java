package dev.eve.core.io.fuzz;

import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.EngineFilter;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.PrintWriter;

/**
 * Runs the {@code @FuzzTest} of one class through the JUnit launcher, for {@code .ci/fuzz.sh}
 * (Jazzer fuzzes one test per JVM; a JVM per target is much cheaper than a Maven run per target).
 * With {@code JAZZER_FUZZ=1} in the environment it fuzzes for {@code JAZZER_MAX_DURATION} (or the
 * annotation's {@code maxDuration}); without, it replays the seed inputs.
 *
 * <pre>{@code java -cp <test class path> dev.eve.core.io.fuzz.FuzzMain <test class> [corpus dir]}</pre>
 *
 * JUnit's own {@code @Timeout} is switched off here, since it would bound the whole fuzzing session;
 * Jazzer turns the annotation into libFuzzer's per-input {@code -timeout} instead. Generated inputs
 * go to the corpus folder when one is given (else Jazzer's {@code .cifuzz-corpus} in the working
 * directory); findings go to {@code src/test/resources/<package>/<Class>Inputs/<method>/} under the
 * working directory. Exit status 0 when the test ran and passed, 1 otherwise.
 */
public final class FuzzMain {

    private FuzzMain() {}

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: FuzzMain <fuzz test class> [corpus dir]");
            System.exit(2);
        }
        LauncherDiscoveryRequestBuilder b = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass(args[0]))
                .filters(EngineFilter.includeEngines("junit-jupiter"))
                .configurationParameter("junit.jupiter.execution.timeout.mode", "disabled");
        if (args.length == 2) {
            b.configurationParameter("jazzer.internal.arg.0", "fuzz");
            b.configurationParameter("jazzer.internal.arg.1", args[1]);
        }
        LauncherDiscoveryRequest request = b.build();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(request, listener);
        TestExecutionSummary s = listener.getSummary();
        PrintWriter out = new PrintWriter(System.out, true);
        s.printFailuresTo(out, 30);
        out.printf("%s: %d run, %d succeeded, %d failed, %d skipped%n", args[0], s.getTestsStartedCount(),
                s.getTestsSucceededCount(), s.getTotalFailureCount(), s.getTestsSkippedCount());
        boolean ok = s.getTotalFailureCount() == 0 && s.getTestsSucceededCount() > 0;
        System.exit(ok ? 0 : 1);
    }
}
