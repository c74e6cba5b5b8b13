package dev.eve.models.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code eve} command line. */
@Command(name = "eve", mixinStandardHelpOptions = true, versionProvider = EveCommand.Version.class,
        description = "EVE for Java: vision-language pre-training and fine-tuning on the JVM.",
        subcommands = {DemoCommand.class, RunCommand.class, FeaturesCommand.class, BenchCommand.class, TokenizeCommand.class, CommandLine.HelpCommand.class})
public final class EveCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--debug", description = "Show stack traces on errors (also accepted after a subcommand).")
    boolean debug;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /**
     * Runs the command line. Every error is one line on stderr, {@code error: <what, naming the
     * culprit>}: exit code 2 for a wrong command line (unknown option, bad value; picocli's
     * convention, with a pointer to the command's help), 1 for anything that fails while running.
     * {@code --debug} (anywhere on the line) adds the stack trace.
     */
    public static int execute(String... args) {
        boolean debug = java.util.Arrays.asList(args).contains("--debug");
        CommandLine cli = new CommandLine(new EveCommand());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (debug) e.printStackTrace(cmd.getErr());
            cmd.getErr().println("error: " + describe(e));
            cmd.getErr().flush();
            return 1;
        });
        cli.setParameterExceptionHandler((e, given) -> {
            CommandLine cmd = e.getCommandLine();
            if (debug) e.printStackTrace(cmd.getErr());
            cmd.getErr().println("error: " + oneLine(e.getMessage()) + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            cmd.getErr().flush();
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        try {
            return cli.execute(args);
        } catch (Throwable t) {   // errors (out of memory, ...) are not handed to the handlers
            if (debug) t.printStackTrace();
            System.err.println("error: " + describe(t));
            return 1;
        }
    }

    /** One line for the user: the message of our own errors, a plain description of the JVM's. */
    static String describe(Throwable e) {
        while ((e instanceof CommandLine.ExecutionException || e instanceof java.lang.reflect.InvocationTargetException
                || e instanceof java.util.concurrent.ExecutionException || e instanceof java.util.concurrent.CompletionException)
                && e.getCause() != null) e = e.getCause();
        if (e instanceof java.io.UncheckedIOException u && (u.getMessage() == null || u.getMessage().isBlank()) && u.getCause() != null)
            e = u.getCause();
        String m = e.getMessage() == null ? "" : oneLine(e.getMessage());
        if (e instanceof java.nio.file.NoSuchFileException) return "no such file: " + m;
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied: " + m;
        if (e instanceof java.nio.file.NotDirectoryException) return "not a directory: " + m;
        if (e instanceof java.nio.file.FileAlreadyExistsException) return "exists and is not a directory: " + m;
        if (e instanceof java.nio.file.DirectoryNotEmptyException) return "directory not empty: " + m;
        if (e instanceof OutOfMemoryError)
            return "out of memory (" + m + "); give the JVM more, e.g. EVE_JAVA_OPTS=-Xmx16g, or lower the batch size";
        if (e instanceof StackOverflowError) return "stack overflow (an input nested too deeply?); run with --debug for details";
        boolean ours = e instanceof IllegalArgumentException || e instanceof IllegalStateException
                || e instanceof java.io.IOException || e instanceof java.io.UncheckedIOException
                || e instanceof UnsupportedOperationException || e.getClass().getName().startsWith("dev.eve.");
        if (ours && !m.isBlank()) return m;
        return "internal error: " + e.getClass().getSimpleName() + (m.isBlank() ? "" : ": " + m)
                + " (run with --debug for the stack trace, and please report it)";
    }

    static String oneLine(String m) {
        if (m == null || m.isBlank()) return "(no message)";
        m = m.strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl).strip();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = EveCommand.class.getPackage().getImplementationVersion();
            return new String[] {"eve " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ", "
                    + dev.eve.core.backend.cpu.CpuBackend.INSTANCE + ")"};
        }
    }
}
