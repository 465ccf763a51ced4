package io.flowtap.tools.sensor;

import io.flowtap.pipeline.ThreadingMode;
import io.flowtap.pipeline.journal.JournalContext;
import io.flowtap.pipeline.journal.JournalFullPolicy;
import io.flowtap.pipeline.journal.JournalRollCycle;
import io.flowtap.pipeline.shard.QueueFullPolicy;
import io.flowtap.reassembly.FlowRuleHandler;
import io.flowtap.tools.OptionRanges;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a sensor run takes beyond its input, shared by {@code capture} and {@code read}: workers and their queues,
 * the journals, the latency histograms and the counters file. Each option maps to one setting of the pipeline or the
 * journal; a {@code --config} YAML file can hold any of them under the same names.
 */
public final class SensorOptions
{
    /** Most workers. */
    public static final int MAX_WORKERS = 64;
    /** Largest queue capacity: a million hand-offs per queue, each with its copy buffer. */
    public static final int MAX_QUEUE_CAPACITY = 1 << 20;
    /** Most cycle files retention keeps. */
    public static final int MAX_RETAIN_CYCLES = 1_000_000;
    /** Longest histogram interval, in seconds. */
    public static final double MAX_HISTOGRAM_INTERVAL_SECONDS = 3600;

    @Option(names = "--config", paramLabel = "FILE",
        description = "read options from a YAML file: a mapping of option names without the dashes to values "
            + "(workers: 2, journal: /var/lib/flowtap, cpus: [0, 1], promisc: true); options given on the command "
            + "line override the file; an unknown or ill-typed key is an error naming it")
    Path config;

    @Option(names = "--workers", paramLabel = "N",
        description = "reassembly workers, 1 to 64; each flow always goes to the same one (default: ${DEFAULT-VALUE})")
    int workers = 1;

    @Option(names = "--worker-cpus", paramLabel = "LIST", split = ",",
        description = "pin the workers to these CPUs, in order (e.g. 2,3); each must be one this process may run on")
    int[] workerCpus;

    @Option(names = "--worker-idle", paramLabel = "HOW",
        description = "how an idle worker waits: busy (spins a core), yield, backoff (spin, yield, then park up to "
            + "1 ms), sleep (1 ms) (default: backoff; with --threading shared on an interface, the thread waits in "
            + "poll(2) for the ring unless this is given)")
    IdleChoice workerIdle;

    @Option(names = "--threading", paramLabel = "MODE",
        description = "dedicated: a thread for each poller and each worker; shared: one thread runs them all in "
            + "turn (for one or two cores: no hand-off between cores, and on an interface it sleeps in poll(2) when "
            + "idle) (default: ${DEFAULT-VALUE})")
    ThreadingMode threading = ThreadingMode.DEDICATED;

    @Option(names = "--queue-capacity", paramLabel = "N",
        description = "segments in flight from each poller to each worker, 1 to " + MAX_QUEUE_CAPACITY +
            " (default: ${DEFAULT-VALUE}); with the workers, the engines and the rings, checked against the memory "
            + "this JVM and the machine have before anything is allocated")
    int queueCapacity = io.flowtap.pipeline.PipelineContext.QUEUE_CAPACITY_DEFAULT;

    @Option(names = "--queue-full", paramLabel = "POLICY",
        description = "when a worker's queue is full: wait (the ring holds the rest; the kernel drops, and counts, "
            + "when it is full too) or drop (counted) (default: ${DEFAULT-VALUE})")
    QueueFullPolicy queueFullPolicy = QueueFullPolicy.WAIT;

    @Option(names = "--journal", paramLabel = "DIR",
        description = "journal every flow event (starts, payload, gaps, overlaps, attributes, ends) to a Chronicle "
            + "Queue in DIR; read it back with flowtap journal")
    Path journal;

    @Option(names = "--rule", paramLabel = "RULE",
        description = "reset or drop the connections a flow filter matches, once their handshake completes, and log "
            + "why: ACTION[ NAME]: EXPRESSION, e.g. 'reset: tcp port 8080' or 'drop no-telnet: dst port 23' "
            + "(repeatable; the first rule that matches acts). A reset sends a RST to both ends on the captured "
            + "interface; reading a file, it is counted as not sent")
    List<String> rule = new ArrayList<>();

    @Option(names = "--rules", paramLabel = "FILE",
        description = "rules as --rule takes them, one per line (blank lines and # comments ignored), after any "
            + "--rule")
    Path rulesFile;

    @Option(names = "--raw-journal", paramLabel = "DIR",
        description = "also journal every captured frame with its timestamp to DIR, for replaying the traffic later")
    Path rawJournal;

    @Option(names = "--roll-cycle", paramLabel = "CYCLE",
        description = "start a new journal file every: secondly, five_minutely, hourly, daily, weekly "
            + "(default: hourly)")
    String rollCycle = JournalContext.ROLL_CYCLE_DEFAULT.name().toLowerCase(java.util.Locale.ROOT);

    @Option(names = "--retain-cycles", paramLabel = "N",
        description = "keep only the newest N journal files, 0 to " + MAX_RETAIN_CYCLES + ", deleting older ones as "
            + "new cycles start (default: 0, keep all)")
    int retainCycles = JournalContext.RETAIN_CYCLES_DEFAULT;

    @Option(names = "--journal-full", paramLabel = "POLICY",
        description = "when a journal's disk is full: stop (stop taking input, end every open flow, exit 3; the "
            + "journal is readable to its last commit) or drop (drop events, counted, and resume with a loss event "
            + "once there is room again) (default: ${DEFAULT-VALUE})")
    String journalFull = JournalFullPolicy.STOP.label();

    @Option(names = "--histogram-log", paramLabel = "FILE",
        description = "write latency per stage (kernel-to-poller, poller-to-worker, worker-to-journal, end-to-end) "
            + "as interval histograms in HdrHistogram's log format; read it with flowtap journal histogram or "
            + "HdrHistogram's tools")
    Path histogramLog;

    @Option(names = "--histogram-interval", paramLabel = "SECONDS",
        description = "length of each interval in the histogram log, more than 0 and at most 3600 (default: "
            + "${DEFAULT-VALUE})")
    double histogramIntervalSeconds = 1;

    @Option(names = "--latency", negatable = true,
        description = "measure the latency of each stage and print its percentiles on exit (default: on for capture "
            + "and whenever --histogram-log is given)")
    Boolean latency;

    @Option(names = "--counters", paramLabel = "FILE",
        description = "keep every counter in FILE (shared memory), for flowtap stats FILE to read while this runs")
    Path counters;

    /**
     * @return whether this run needs the sensor's pipeline rather than a plain printing loop.
     */
    public boolean wantsPipeline()
    {
        return workers > 1 || workerCpus != null || journal != null || rawJournal != null || histogramLog != null ||
            counters != null || Boolean.TRUE.equals(latency) || !rule.isEmpty() || rulesFile != null;
    }

    /**
     * @param live whether the input is a live interface (latency is then measured unless turned off).
     * @return whether to measure latency.
     */
    public boolean measuresLatency(final boolean live)
    {
        return latency != null ? latency : live || histogramLog != null;
    }

    /**
     * Check the options together.
     *
     * @param commandLine for the error.
     * @throws CommandLine.ParameterException naming the option at fault.
     */
    public void validate(final CommandLine commandLine)
    {
        OptionRanges.check(commandLine, "--workers", workers, 1, MAX_WORKERS);
        OptionRanges.checkCpus(commandLine, "--worker-cpus", workerCpus);
        OptionRanges.check(commandLine, "--queue-capacity", queueCapacity, 1, MAX_QUEUE_CAPACITY);
        OptionRanges.check(commandLine, "--retain-cycles", retainCycles, 0, MAX_RETAIN_CYCLES);
        OptionRanges.check(commandLine, "--histogram-interval", histogramIntervalSeconds, 0, true,
            MAX_HISTOGRAM_INTERVAL_SECONDS);
        try
        {
            JournalRollCycle.parse(rollCycle);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(commandLine, "--roll-cycle: " + ex.getMessage());
        }
        try
        {
            JournalFullPolicy.parse(journalFull);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(commandLine, "--journal-full: " + ex.getMessage());
        }
        if (journal != null && journal.equals(rawJournal))
        {
            throw new CommandLine.ParameterException(commandLine,
                "--journal and --raw-journal need directories of their own");
        }
        try
        {
            rules();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(commandLine, ex.getMessage());
        }
    }

    /**
     * @return the rules of {@code --rule} and {@code --rules}, in order.
     * @throws IllegalArgumentException naming the rule (and the file's line) at fault, or an unreadable file.
     */
    public List<FlowRuleHandler.Rule> rules()
    {
        final List<FlowRuleHandler.Rule> rules = new ArrayList<>();
        for (final String text : rule)
        {
            rules.add(FlowRuleHandler.Rule.parse(text, rules.size() + 1));
        }
        if (rulesFile != null)
        {
            final List<String> lines;
            try
            {
                lines = Files.readAllLines(rulesFile);
            }
            catch (final IOException ex)
            {
                throw new IllegalArgumentException("--rules " + rulesFile + ": cannot read it: " + ex.getMessage(), ex);
            }
            for (int i = 0; i < lines.size(); i++)
            {
                final String line = lines.get(i).trim();
                if (line.isEmpty() || line.startsWith("#"))
                {
                    continue;
                }
                try
                {
                    rules.add(FlowRuleHandler.Rule.parse(line, rules.size() + 1));
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new IllegalArgumentException(rulesFile + " line " + (i + 1) + ": " + ex.getMessage(), ex);
                }
            }
        }
        return rules;
    }

    /**
     * @return reassembly workers.
     */
    public int workers()
    {
        return workers;
    }

    /**
     * @return segments in flight per queue.
     */
    public int queueCapacity()
    {
        return queueCapacity;
    }

    /**
     * @return the event journal's directory, or null.
     */
    public Path journal()
    {
        return journal;
    }

    /**
     * @return what the journals do when their disk is full.
     */
    public JournalFullPolicy journalFullPolicy()
    {
        return JournalFullPolicy.parse(journalFull);
    }

    /**
     * @return the journal's roll cycle.
     */
    public JournalRollCycle rollCycle()
    {
        return JournalRollCycle.parse(rollCycle);
    }
}
