package io.flowtap.tools;

import io.flowtap.tools.capture.CaptureCommand;
import io.flowtap.tools.flows.FlowsCommand;
import io.flowtap.tools.gen.GenCommand;
import io.flowtap.tools.inspect.InspectCommand;
import io.flowtap.tools.read.ReadCommand;
import io.flowtap.tools.stats.StatsCommand;
import io.flowtap.tools.streams.StreamsCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * The {@code flowtap} command line.
 */
@Command(
    name = "flowtap",
    mixinStandardHelpOptions = true,
    versionProvider = Flowtap.Version.class,
    description = "Zero-copy TCP capture and reassembly.",
    subcommands = {
        InspectCommand.class,
        CaptureCommand.class,
        StatsCommand.class,
        ReadCommand.class,
        StreamsCommand.class,
        FlowsCommand.class,
        GenCommand.class,
        CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:the input is unreadable or damaged (what was before the damage was processed), or the interface cannot "
            + "be captured on",
        "2:bad command line"})
public final class Flowtap implements Callable<Integer>
{
    /** Success. */
    public static final int EXIT_OK = 0;
    /** The input could not be read, or was damaged part way; or the interface could not be captured on. */
    public static final int EXIT_INPUT_ERROR = 1;
    /** The command line was wrong. */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /**
     * @param args the command line.
     */
    public static void main(final String[] args)
    {
        System.exit(commandLine().execute(args));
    }

    /**
     * @return the command line, ready to execute; tests run it without exiting the JVM.
     */
    public static CommandLine commandLine()
    {
        return new CommandLine(new Flowtap())
            .setCaseInsensitiveEnumValuesAllowed(true)
            .setExitCodeExceptionMapper(exception ->
                exception instanceof CommandLine.ParameterException ? EXIT_USAGE : EXIT_INPUT_ERROR);
    }

    @Override
    public Integer call()
    {
        spec.commandLine().getErr().println("flowtap: a subcommand is required");
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_USAGE;
    }

    /**
     * The version from the jar's manifest, or "development" when run from classes.
     */
    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String version = Flowtap.class.getPackage().getImplementationVersion();
            return new String[] {"flowtap " + (version == null ? "development" : version)};
        }
    }
}
