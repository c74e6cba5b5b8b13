package dev.eve.core.io.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The property every loader fuzz target checks: the loader either succeeds or throws one of the
 * project's own error types, whose message is one line naming the file; anything else (a raw
 * {@code NullPointerException}, {@code ArrayIndexOutOfBoundsException}, an {@code Error} such as
 * {@code OutOfMemoryError} or {@code StackOverflowError}, ...) is rethrown and fails the fuzz test.
 * The memory the load allocates on this thread is bounded by a budget that grows with the file's
 * length, so that a small file claiming a huge size is a finding even when the heap could hold it.
 * Hangs are caught by the {@code @Timeout} of each fuzz test (libFuzzer's {@code -timeout} while
 * fuzzing).
 *
 * <p>Fuzz inputs are written to files in one temporary folder per JVM, as the loaders take paths.
 */
public final class LoaderFuzzing {

    /** What any load may allocate whatever the file (JSON parsers, zip directories, ImageIO set-up). */
    public static final long BASE_ALLOCATION = 64L << 20;

    private static final Path DIR = createDir();
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private LoaderFuzzing() {}

    /** A loader call that may throw anything. */
    @FunctionalInterface
    public interface Load {
        void run() throws Exception;
    }

    private static Path createDir() {
        try {
            Path dir = Files.createTempDirectory("eve-fuzz-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort, in the JVM's temp dir
        }
    }

    /** The folder the fuzz files are written to (fresh for each JVM). */
    public static Path dir() {
        return DIR;
    }

    /** Writes {@code data} to {@code name} in the fuzz folder (replacing it) and returns the path. */
    public static Path write(String name, byte[] data) {
        return write(DIR, name, data);
    }

    /** Writes {@code data} to {@code name} in {@code dir} (created if needed) and returns the path. */
    public static Path write(Path dir, String name, byte[] data) {
        try {
            Files.createDirectories(dir);
            Path p = dir.resolve(name);
            Files.write(p, data);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fresh sub-folder of the fuzz folder, emptied of what an earlier input left there. */
    public static Path cleanDir(String name) {
        Path d = DIR.resolve(name);
        if (Files.exists(d)) deleteTree(d);
        try {
            return Files.createDirectories(d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs {@code load} on {@code file}; succeeds when it returns, or when it throws one of
     * {@code ours} with a one-line message that contains {@code file}'s path. Fails (rethrows, as
     * an {@link AssertionError} with the original as its cause) on any other throwable, on a
     * message that spans lines or does not name the file, and when the load allocated more than
     * {@code BASE_ALLOCATION + bytesPerFileByte * length(file)} bytes.
     */
    @SafeVarargs
    public static void check(Path file, long bytesPerFileByte, Load load, Class<? extends Throwable>... ours) {
        long length;
        try {
            length = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        check(file, file.toString(), BASE_ALLOCATION + bytesPerFileByte * length, load, ours);
    }

    /** As {@link #check(Path, long, Load, Class[])} with an explicit allocation budget and the text the message must name. */
    @SafeVarargs
    public static void check(Path file, String mustName, long allocationBudget, Load load, Class<? extends Throwable>... ours) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        Throwable thrown = run(load);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        if (allocated > allocationBudget && !(thrown instanceof Error)) {
            // Measure again: the first load in a JVM also pays for one-time static set-up (backends, parsers).
            before = THREADS.getCurrentThreadAllocatedBytes();
            run(load);
            allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        }
        if (thrown != null) {
            if (!isOurs(thrown, ours))
                throw new AssertionError(file.getFileName() + ": the loader threw " + thrown.getClass().getName()
                        + " instead of " + names(ours) + ": " + thrown.getMessage(), thrown);
            String m = thrown.getMessage();
            if (m == null || m.isBlank())
                throw new AssertionError(thrown.getClass().getSimpleName() + " without a message", thrown);
            if (m.indexOf('\n') >= 0 || m.indexOf('\r') >= 0)
                throw new AssertionError("message of more than one line: " + m, thrown);
            if (!m.contains(mustName))
                throw new AssertionError("message does not name the file " + mustName + ": " + m, thrown);
        }
        if (allocated > allocationBudget)
            throw new AssertionError(file.getFileName() + ": the load allocated " + allocated + " bytes, more than the "
                    + allocationBudget + " a file of this length may cost" + (thrown == null ? "" : " (then threw: " + thrown.getMessage() + ")"),
                    thrown);
    }

    private static Throwable run(Load load) {
        try {
            load.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    private static boolean isOurs(Throwable t, Class<? extends Throwable>[] ours) {
        for (Class<? extends Throwable> c : ours) if (c.isInstance(t)) return true;
        return false;
    }

    private static String names(Class<? extends Throwable>[] ours) {
        StringBuilder sb = new StringBuilder();
        for (Class<? extends Throwable> c : ours) sb.append(sb.isEmpty() ? "" : " or ").append(c.getSimpleName());
        return sb.toString();
    }
}
