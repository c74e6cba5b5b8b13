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

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line; errors become one line on stderr and a non-zero exit code. */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new EveCommand());
        boolean debug = java.util.Arrays.asList(args).contains("--debug");
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (debug) e.printStackTrace();
            else cmd.getErr().println("eve: " + oneLine(e));
            return 1;
        });
        return cli.execute(args);
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) m = e.getClass().getSimpleName();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
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
