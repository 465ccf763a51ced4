package io.flowtap.tools.ship;

import io.flowtap.kafka.JournalShipper;
import io.flowtap.kafka.ShipContext;
import io.flowtap.pipeline.stats.CountersFile;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.sensor.StopOnSignal;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code flowtap ship JOURNAL --kafka HOST:PORT --topic T --sensor NAME}: follows a journal and produces its excerpts
 * to a Kafka topic, at least once, resuming where the broker last acknowledged ({@link JournalShipper}).
 */
@Command(
    name = "ship",
    mixinStandardHelpOptions = true,
    description = "Ship a journal to a Kafka topic: every excerpt as written, keyed so that each flow's events stay in "
        + "one partition in order, with the sensor, run and schema version in its headers. Remembers how far the "
        + "broker acknowledged (a position file, written only after the broker's acknowledgement) and goes on from "
        + "there when started again; while the broker is away it waits, backing off, and the journal keeps the data.",
    footerHeading = "%nExamples:%n",
    footer = {
        "  flowtap ship /var/lib/flowtap/journal --kafka kafka1:9092,kafka2:9092 --topic flows --sensor edge-1",
        "  flowtap ship journal/ --kafka 127.0.0.1:9092 --topic flows --sensor lab --once",
        "  flowtap journal export --kafka kafka1:9092 --topic flows --out all-flows/"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success: stopped by a signal, or caught up (--once)",
        "1:no journal there, or one of a newer schema",
        "2:bad command line, or a position file of another topic or sensor",
        "3:the position file cannot be written, or the broker refuses an excerpt for good (too large)"})
public final class ShipCommand implements Callable<Integer>
{
    private static final String PREFIX = "flowtap ship: ";
    private static final int MAX_COUNTERS = 64;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "JOURNAL", description = "the journal's directory (read only)")
    private Path journal;

    @Option(names = "--kafka", required = true, paramLabel = "HOST:PORT[,...]",
        description = "the brokers to start from")
    private String kafka;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "the topic to produce to")
    private String topic;

    @Option(names = "--sensor", required = true, paramLabel = "NAME",
        description = "this sensor's name, in every record: 1 to 64 letters, digits, '.', '_', '-'")
    private String sensor;

    @Option(names = "--position", paramLabel = "FILE",
        description = "where the acknowledged position is kept (default: JOURNAL/ship-TOPIC.position)")
    private Path position;

    @Option(names = "--compression", paramLabel = "CODEC",
        description = "compression of the batches: zstd, lz4, gzip, snappy or none (default: zstd)")
    private String compression = ShipContext.COMPRESSION_DEFAULT;

    @Option(names = "--producer-property", paramLabel = "KEY=VALUE",
        description = "a Kafka producer setting (security, timeouts), which wins over flowtap's own; repeatable")
    private Map<String, String> producerProperties = new LinkedHashMap<>();

    @Option(names = "--once",
        description = "exit once everything the journal holds has been acknowledged, rather than follow it")
    private boolean once;

    @Option(names = "--counters", paramLabel = "FILE",
        description = "publish the shipper's counters (progress, lag, broker failures) there for flowtap stats")
    private Path countersPath;

    private volatile boolean running = true;

    @Override
    public Integer call()
    {
        final PrintWriter err = spec.commandLine().getErr();
        if (!Files.isDirectory(journal))
        {
            err.println(PREFIX + "no journal at " + journal);
            err.flush();
            return ExitCodes.INPUT_ERROR;
        }
        final CountersFile counters;
        final JournalShipper shipper;
        final ShipContext context = new ShipContext()
            .journal(journal)
            .bootstrapServers(kafka)
            .topic(topic)
            .sensor(sensor)
            .positionFile(position)
            .compression(compression)
            .log(line ->
            {
                err.println(PREFIX + line);
                err.flush();
            });
        producerProperties.forEach(context::producerProperty);
        try
        {
            context.conclude();
            counters = countersPath == null ? CountersFile.inMemory(MAX_COUNTERS) :
                CountersFile.create(countersPath, MAX_COUNTERS);
            shipper = new JournalShipper(context.counters(counters));
        }
        catch (final IllegalArgumentException | UncheckedIOException ex)
        {
            err.println(PREFIX + ex.getMessage());
            err.flush();
            return ExitCodes.USAGE;
        }
        final long startNs = System.nanoTime();
        int exitCode = ExitCodes.OK;
        try (counters; StopOnSignal signal = new StopOnSignal(() -> running = false))
        {
            exitCode = ship(shipper, err);
            signal.exitCode(exitCode);
            err.println(shipper.summary(System.nanoTime() - startNs));
            err.flush();
            return exitCode;
        }
    }

    private int ship(final JournalShipper shipper, final PrintWriter err)
    {
        final IdleStrategy idle = new SleepingMillisIdleStrategy(1);
        int exitCode = ExitCodes.OK;
        try
        {
            shipper.onStart();
            while (running)
            {
                final int work = shipper.doWork();
                if (shipper.stopped() != null)
                {
                    exitCode = ExitCodes.OUTPUT_ERROR;
                    break;
                }
                if (once && work == 0 && shipper.caughtUp())
                {
                    break;
                }
                idle.idle(work);
            }
        }
        catch (final UncheckedIOException ex)
        {
            err.println(PREFIX + ex.getMessage());
            exitCode = ExitCodes.OUTPUT_ERROR;
        }
        catch (final io.flowtap.pipeline.journal.JournalException ex)
        {
            err.println(PREFIX + ex.getMessage());
            exitCode = ExitCodes.INPUT_ERROR;
        }
        finally
        {
            try
            {
                shipper.onClose();
            }
            catch (final UncheckedIOException ex)
            {
                err.println(PREFIX + ex.getMessage());
                exitCode = ExitCodes.OUTPUT_ERROR;
            }
        }
        return exitCode;
    }
}
