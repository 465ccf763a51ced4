package io.flowtap.tools.journal;

import io.flowtap.tools.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * {@code flowtap journal ...}: the tools for what flowtap journaled.
 */
@Command(
    name = "journal",
    mixinStandardHelpOptions = true,
    description = "Read, summarise, export and replay what flowtap journaled (flowtap read/capture --journal, "
        + "--raw-journal, --histogram-log).",
    subcommands = {
        JournalCatCommand.class,
        JournalStatsCommand.class,
        JournalExportCommand.class,
        JournalReplayCommand.class,
        JournalHistogramCommand.class,
        ReplayWireCommand.class},
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap journal cat journal/ --json",
        "  flowtap journal stats journal/",
        "  flowtap journal export journal/ --out flows/",
        "  flowtap journal replay journal/ --handler com.example.MyHandler --speed 10",
        "  flowtap journal histogram latency.hlog --plot latency.svg",
        "  flowtap journal replay-wire raw/ -i eth1 --speed 2"})
public final class JournalCommand implements Callable<Integer>
{
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call()
    {
        spec.commandLine().getErr().println("flowtap journal: a subcommand is required");
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }
}
