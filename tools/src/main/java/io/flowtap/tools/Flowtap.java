package io.flowtap.tools;

import io.flowtap.pipeline.journal.JournalException;
import io.flowtap.tools.blast.BlastCommand;
import io.flowtap.tools.capture.CaptureCommand;
import io.flowtap.tools.flows.FlowsCommand;
import io.flowtap.tools.gen.GenCommand;
import io.flowtap.tools.inspect.InspectCommand;
import io.flowtap.tools.journal.JournalCommand;
import io.flowtap.tools.loadtest.LoadtestCommand;
import io.flowtap.tools.read.ReadCommand;
import io.flowtap.tools.ship.ShipCommand;
import io.flowtap.tools.stats.StatsCommand;
import io.flowtap.tools.streams.StreamsCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The {@code flowtap} command line.
 */
@Command(
    name = "flowtap",
    mixinStandardHelpOptions = true,
    versionProvider = Flowtap.Version.class,
    description = "Zero-copy TCP capture and reassembly.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:the input is unreadable or damaged (what was before the damage was processed), or the interface cannot "
            + "be captured on",
        "2:bad command line (a handler that cannot be loaded, made or compiled included)",
        "3:the output could not be written (standard output, a journal or an output directory: a full disk, a "
            + "write error); what was written before it is complete",
        "4:a handler threw and --handler-errors stop stopped the run"})
public final class Flowtap implements Callable<Integer>
{
    /** The subcommands, in the order help lists them. */
    private static final List<Class<?>> SUBCOMMANDS = List.of(
        InspectCommand.class,
        CaptureCommand.class,
        StatsCommand.class,
        ReadCommand.class,
        StreamsCommand.class,
        FlowsCommand.class,
        GenCommand.class,
        BlastCommand.class,
        LoadtestCommand.class,
        JournalCommand.class,
        ShipCommand.class,
        CommandLine.HelpCommand.class);

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /**
     * @param args the command line.
     */
    public static void main(final String[] args)
    {
        StandardOutput.install();
        final CommandLine commandLine = commandLine(args);
        final int exitCode = commandLine.execute(args);
        System.exit(finish(commandLine, exitCode));
    }

    /**
     * Flush standard output and, when a write to it failed (other than to a pipe its reader closed), say so in one
     * line: the command's own exit code cannot have known.
     *
     * @param commandLine that ran.
     * @param exitCode    it returned.
     * @return the exit code to leave with.
     */
    static int finish(final CommandLine commandLine, final int exitCode)
    {
        System.out.flush();
        commandLine.getOut().flush();
        final IOException failure = StandardOutput.failure();
        if (failure == null || StandardOutput.isClosedPipe(failure) || exitCode == ExitCodes.USAGE)
        {
            return exitCode;
        }
        final StringBuilder name = new StringBuilder("flowtap");
        CommandLine.ParseResult parsed = commandLine.getParseResult();
        while (parsed != null && parsed.hasSubcommand())
        {
            parsed = parsed.subcommand();
            name.append(' ').append(parsed.commandSpec().name());
        }
        System.err.println(name + ": cannot write standard output: " + StandardOutput.describe(failure));
        System.err.flush();
        return ExitCodes.OUTPUT_ERROR;
    }

    /**
     * @return the command line with every subcommand, ready to execute; tests run it without exiting the JVM.
     */
    public static CommandLine commandLine()
    {
        return commandLine(new String[0]);
    }

    /**
     * The command line for these arguments: only the subcommand they name is built, since picocli reads every
     * option of every subcommand by reflection when it builds one, which took a fifth of a second of each run and
     * kept the JIT compiler busy with the class files it generated; with no subcommand named (or help asked for, or
     * a name that is not one) every subcommand is built, for the listing and the suggestions.
     *
     * @param args the command line.
     * @return the command line, ready to execute.
     */
    public static CommandLine commandLine(final String[] args)
    {
        final CommandLine commandLine = new CommandLine(new Flowtap());
        final String named = args.length > 0 ? args[0] : null;
        Class<?> only = null;
        for (final Class<?> subcommand : SUBCOMMANDS)
        {
            if (subcommand != CommandLine.HelpCommand.class &&
                subcommand.getAnnotation(Command.class).name().equals(named))
            {
                only = subcommand;
            }
        }
        for (final Class<?> subcommand : SUBCOMMANDS)
        {
            if (only == null || subcommand == only)
            {
                commandLine.addSubcommand(subcommand);
            }
        }
        // Settings reach the subcommands present when they are made: after adding them.
        return commandLine
            .setCaseInsensitiveEnumValuesAllowed(true)
            .setExecutionStrategy(new WithConfigFile())
            .setParameterExceptionHandler(Flowtap::usageError)
            .setExecutionExceptionHandler(Flowtap::journalError)
            .setExitCodeExceptionMapper(exception ->
                exception instanceof CommandLine.ParameterException ? ExitCodes.USAGE : ExitCodes.INPUT_ERROR);
    }

    /**
     * A bad command line is the one line saying what is wrong (and picocli's suggestions for a mistyped option), then
     * where to find the options, as GNU tools do: not the whole usage, which buries the line that matters.
     */
    private static int usageError(final CommandLine.ParameterException ex, final String[] args)
    {
        final CommandLine commandLine = ex.getCommandLine();
        final PrintWriter err = commandLine.getErr();
        err.println(ex.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help' for the options.");
        err.flush();
        return ExitCodes.USAGE;
    }

    /**
     * A journal found unreadable part way through a read (a queue whose first excerpt is not flowtap's, say) is the
     * user's input, not a defect: the one line that says which and why, as when it is found at open. Anything else
     * is a defect and keeps its stack trace.
     */
    private static int journalError(
        final Exception ex, final CommandLine commandLine, final CommandLine.ParseResult parseResult) throws Exception
    {
        if (!(ex instanceof JournalException))
        {
            throw ex;
        }
        final PrintWriter err = commandLine.getErr();
        err.println(commandLine.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
        err.flush();
        return ExitCodes.INPUT_ERROR;
    }

    /**
     * Runs the chosen subcommand; when it was given {@code --config FILE}, first parses the command line again with
     * the file's options put in front of the command's own, so that flags given win over the file.
     */
    static final class WithConfigFile implements CommandLine.IExecutionStrategy
    {
        private boolean expanding;

        @Override
        public int execute(final CommandLine.ParseResult parseResult)
        {
            CommandLine.ParseResult leaf = parseResult;
            final List<String> path = new ArrayList<>();
            while (leaf.hasSubcommand())
            {
                leaf = leaf.subcommand();
                path.add(leaf.commandSpec().name());
            }
            final CommandLine.Model.OptionSpec config = leaf.commandSpec().findOption("--config");
            if (expanding || config == null || !leaf.hasMatchedOption(config) || leaf.isUsageHelpRequested() ||
                leaf.isVersionHelpRequested())
            {
                return new CommandLine.RunLast().execute(parseResult);
            }
            final CommandLine command = leaf.commandSpec().commandLine();
            final List<String> fromFile;
            try
            {
                fromFile = ConfigFile.load(leaf.matchedOptionValue("--config", (Path)null)).arguments(leaf);
            }
            catch (final ConfigFile.Problem problem)
            {
                command.getErr().println("flowtap " + leaf.commandSpec().name() + ": " + problem.getMessage());
                command.getErr().flush();
                return problem.unreadable() ? ExitCodes.INPUT_ERROR : ExitCodes.USAGE;
            }
            final List<String> args = new ArrayList<>(parseResult.originalArgs());
            int at = 0;
            for (final String name : path)
            {
                at = args.subList(at, args.size()).indexOf(name) + at + 1;
            }
            args.addAll(at, fromFile);
            expanding = true;
            try
            {
                return parseResult.commandSpec().commandLine().execute(args.toArray(new String[0]));
            }
            finally
            {
                expanding = false;
            }
        }
    }

    @Override
    public Integer call()
    {
        spec.commandLine().getErr().println("flowtap: a subcommand is required");
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
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
