package io.flowtap.tools.ship;

import io.flowtap.kafka.ShipRecord;
import io.flowtap.kafka.TestBroker;
import io.flowtap.pipeline.journal.JournalDescriptor;
import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.Flowtap;
import io.flowtap.tools.replay.TestCaptures;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code flowtap ship} to a real Kafka broker (KRaft, one node, in a JVM of its own, one for the whole class) and the
 * journal tools reading the topic back: what sensors ship is what their journals hold, exported byte for byte, through
 * a broker killed and restarted and a shipper killed with {@code kill -9}.
 */
class ShipKafkaTest
{
    private static final String THREE = "pcapplusplus__three_http_streams.pcap";
    private static final String IPV6 = "pcapplusplus__one_ipv6_http_stream.pcap";
    private static final String GAP = "suricata-verify__tcp-rst-unacked-stream-03-gap__input.pcap";

    @TempDir
    static Path brokerDir;
    private static TestBroker broker;

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void startBroker() throws IOException, InterruptedException
    {
        broker = TestBroker.start(brokerDir);
    }

    @AfterAll
    static void stopBroker()
    {
        broker.close();
    }

    private int run(final String... args)
    {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        final CommandLine commandLine = Flowtap.commandLine(args);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    private Path journal(final String capture, final Path journal) throws IOException
    {
        final Path file = TestCaptures.bundled(capture, dir);
        assertEquals(0, run("read", file.toString(), "--journal", journal.toString(), "--workers", "2",
            "--no-progress"), err::toString);
        return journal;
    }

    private String[] ship(final Path journal, final String topic, final String sensor, final String... extra)
    {
        return Stream.concat(Stream.of("ship", journal.toString(), "--kafka", broker.bootstrapServers(), "--topic",
            topic, "--sensor", sensor), Stream.of(extra)).toArray(String[]::new);
    }

    private Path export(final Path journal, final String name)
    {
        final Path exported = dir.resolve(name);
        assertEquals(0, run("journal", "export", journal.toString(), "--out", exported.toString()), err::toString);
        return exported;
    }

    private Path exportTopic(final String topic, final String name)
    {
        final Path exported = dir.resolve(name);
        assertEquals(0, run("journal", "export", "--kafka", broker.bootstrapServers(), "--topic", topic, "--out",
            exported.toString()), err::toString);
        return exported;
    }

    @Test
    void twoSensorsShipToOneTopicAndItsExportIsEachSensorsOwnExportByteForByte() throws Exception
    {
        broker.createTopic("fleet", 4);
        final Path a = journal(THREE, dir.resolve("a"));
        final Path b = journal(IPV6, dir.resolve("b"));
        journal(GAP, b);

        assertEquals(0, run(ship(a, "fleet", "edge-a", "--once")), err::toString);
        assertTrue(err.toString().contains("acknowledged"), err::toString);
        assertEquals(0, run(ship(b, "fleet", "edge-b", "--once", "--compression", "lz4")), err::toString);
        assertTrue(Files.isRegularFile(b.resolve("ship-fleet.position")));

        final Path fromTopic = exportTopic("fleet", "from-topic");
        assertTrue(err.toString().contains("2 sensors"), err::toString);
        assertSameExport(export(a, "local-a"), fromTopic.resolve("edge-a"));
        assertSameExport(export(b, "local-b"), fromTopic.resolve("edge-b"));

        // Shipped again from its position: nothing is sent twice.
        assertEquals(0, run(ship(a, "fleet", "edge-a", "--once")), err::toString);
        assertTrue(err.toString().contains(": 0 events in 0 excerpts"), err::toString);

        // Its position lost, a shipper sends everything again: the readers know the repeats and take each once.
        Files.delete(b.resolve("ship-fleet.position"));
        assertEquals(0, run(ship(b, "fleet", "edge-b", "--once")), err::toString);
        assertSameExport(export(b, "local-b-again"), exportTopic("fleet", "from-topic-again").resolve("edge-b"));
        assertTrue(err.toString().contains("records shipped twice"), err::toString);

        // Every record says whose it is and in which schema; one writer queue's records share a key, so a
        // partition.
        final List<ConsumerRecord<byte[], byte[]>> records = records("fleet");
        assertFalse(records.isEmpty());
        final Map<String, Set<Integer>> partitionsByKey = new TreeMap<>();
        final Set<String> sensors = new HashSet<>();
        for (final ConsumerRecord<byte[], byte[]> record : records)
        {
            final String sensor = ShipRecord.text(record.headers(), ShipRecord.SENSOR);
            sensors.add(sensor);
            assertEquals(Integer.toString(JournalDescriptor.SCHEMA_VERSION),
                ShipRecord.text(record.headers(), ShipRecord.SCHEMA));
            assertTrue(Integer.parseInt(ShipRecord.text(record.headers(), ShipRecord.RUN)) >= 1);
            final String key = new String(record.key(), StandardCharsets.UTF_8);
            assertEquals(sensor + "/" + ShipRecord.text(record.headers(), ShipRecord.QUEUE), key);
            partitionsByKey.computeIfAbsent(key, k -> new HashSet<>()).add(record.partition());
        }
        assertEquals(Set.of("edge-a", "edge-b"), sensors);
        partitionsByKey.forEach((key, partitions) -> assertEquals(1, partitions.size(), key));
        // b's two runs (two reads into one journal) are both there.
        assertEquals(Set.of("1", "2"), records.stream()
            .filter(r -> "edge-b".equals(ShipRecord.text(r.headers(), ShipRecord.SENSOR)))
            .map(r -> ShipRecord.text(r.headers(), ShipRecord.RUN)).collect(Collectors.toSet()));

        // The other tools read the topic too: stats counts both sensors' flows; cat shows one sensor's.
        assertEquals(0, run("journal", "stats", a.toString(), "--json"), err::toString);
        final long flowsA = flows(out.toString());
        assertEquals(0, run("journal", "stats", b.toString(), "--json"), err::toString);
        final long flowsB = flows(out.toString());
        assertEquals(0, run("journal", "stats", "--kafka", broker.bootstrapServers(), "--topic", "fleet", "--json"),
            err::toString);
        assertEquals(flowsA + flowsB, flows(out.toString()), out::toString);
        assertEquals(0, run("journal", "cat", "--kafka", broker.bootstrapServers(), "--topic", "fleet", "--sensor",
            "edge-b", "--json"), err::toString);
        final List<String> lines = out.toString().lines().toList();
        assertFalse(lines.isEmpty());
        assertTrue(lines.stream().allMatch(line -> line.startsWith("{\"sensor\":\"edge-b\",")), lines::toString);
        assertEquals(0, run("journal", "cat", b.toString(), "--json"), err::toString);
        assertEquals(out.toString().lines().count(), lines.size());

        // A handler replayed over one sensor's events from the topic prints what it prints over that sensor's journal.
        final String handler = Path.of("examples", "src", "main", "java", "io", "flowtap", "examples",
            "TrisulByteCounter.java").toString();
        assertEquals(0, run("journal", "replay", b.toString(), "--handler-source", handler, "--fast"),
            err::toString);
        final List<String> local = out.toString().lines().sorted().toList();
        assertFalse(local.isEmpty(), err::toString);
        assertEquals(0, run("journal", "replay", "--kafka", broker.bootstrapServers(), "--topic", "fleet", "--sensor",
            "edge-b", "--handler-source", handler, "--fast"), err::toString);
        assertEquals(local, out.toString().lines().sorted().toList());
    }

    @Test
    void aBrokerKilledAndRestartedLosesNothingTheShipperWaitsAndGoesOn() throws Exception
    {
        broker.createTopic("outage", 2);
        final Path journal = journal(THREE, dir.resolve("j"));
        assertEquals(0, run(ship(journal, "outage", "edge-1", "--once")), err::toString);

        // The broker goes away; the sensor journals on; the shipper waits and says so, then ships the rest.
        broker.kill();
        journal(IPV6, journal);
        journal(GAP, journal);
        final StringWriter shipErr = new StringWriter();
        final int[] exit = {-1};
        final Thread shipping = new Thread(() ->
        {
            final String[] args = ship(journal, "outage", "edge-1", "--once");
            final CommandLine commandLine = Flowtap.commandLine(args);
            commandLine.setOut(new PrintWriter(new StringWriter(), true));
            commandLine.setErr(new PrintWriter(shipErr, true));
            exit[0] = commandLine.execute(args);
        });
        shipping.start();
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!shipErr.toString().contains("retrying in") && System.nanoTime() < deadlineNs)
        {
            Thread.sleep(50);
        }
        assertTrue(shipErr.toString().contains("retrying in"), shipErr::toString);
        assertTrue(shipping.isAlive(), shipErr::toString);
        broker.restart();
        shipping.join(TimeUnit.SECONDS.toMillis(120));
        assertFalse(shipping.isAlive(), shipErr::toString);
        assertEquals(0, exit[0], shipErr::toString);
        assertTrue(shipErr.toString().contains("reached after"), shipErr::toString);

        assertSameExport(export(journal, "local"), exportTopic("outage", "from-topic").resolve("edge-1"));
    }

    @Test
    void aShipperKilledWithSignalNineResumesFromItsPositionAndNothingIsLost() throws Exception
    {
        broker.createTopic("killed", 2);
        final Path journal = journal(THREE, dir.resolve("j"));
        journal(IPV6, journal);
        final Path position = dir.resolve("ship.position");
        final Process shipper = java(dir.resolve("shipper.log"), ship(journal, "killed", "edge-k", "--position",
            position.toString()));
        try
        {
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(position) && shipper.isAlive() && System.nanoTime() < deadlineNs)
            {
                Thread.sleep(20);
            }
            assertTrue(Files.exists(position), () -> log(dir.resolve("shipper.log")));
        }
        finally
        {
            shipper.destroyForcibly();
            shipper.waitFor(30, TimeUnit.SECONDS);
        }
        journal(GAP, journal);
        assertEquals(0, run(ship(journal, "killed", "edge-k", "--position", position.toString(), "--once")),
            err::toString);
        assertSameExport(export(journal, "local"), exportTopic("killed", "from-topic").resolve("edge-k"));
    }

    @Test
    void readShipsTheJournalItWritesBesideTheWorkersAndTheTopicExportIsTheLocalExport() throws Exception
    {
        broker.createTopic("direct", 2);
        final Path journal = dir.resolve("j");
        final Path counters = dir.resolve("sensor.counters");
        final String[] read = {"read", TestCaptures.bundled(THREE, dir).toString(), "--journal", journal.toString(),
            "--workers", "2", "--no-progress", "--counters", counters.toString(), "--kafka",
            broker.bootstrapServers(), "--topic", "direct", "--sensor", "edge-r"};
        assertEquals(0, run(read), err::toString);
        final java.util.regex.Matcher shipped = java.util.regex.Pattern.compile(
            "(?m)^ship \\S+ to direct as edge-r: ([1-9]\\d*) events in \\d+ excerpts \\(\\d+ bytes\\) acknowledged, " +
            ".*; 0 excerpts sent again; lag 0 events \\(0 bytes\\)$").matcher(err.toString());
        assertTrue(shipped.find(), err::toString);
        assertTrue(Files.isRegularFile(journal.resolve("ship-direct.position")));
        assertSameExport(export(journal, "local"), exportTopic("direct", "from-topic").resolve("edge-r"));

        // The shipper's counters are the sensor's: in its counters file, so in /metrics too.
        assertEquals(0, run("stats", counters.toString(), "--prometheus"), err::toString);
        assertTrue(out.toString().contains("\nflowtap_ship_events_acknowledged_total " +
            Double.parseDouble(shipped.group(1)) + "\n"), out::toString);
        assertTrue(out.toString().contains("\nflowtap_ship_lag_events 0.0\n"), out::toString);

        // A second run into the same journal ships from where the first was acknowledged: its run only.
        read[1] = TestCaptures.bundled(IPV6, dir).toString();
        assertEquals(0, run(read), err::toString);
        assertTrue(err.toString().contains("; 0 excerpts sent again; lag 0 events (0 bytes)"), err::toString);
        assertSameExport(export(journal, "local-2"), exportTopic("direct", "from-topic-2").resolve("edge-r"));
        assertEquals(Set.of("1", "2"), records("direct").stream()
            .map(r -> ShipRecord.text(r.headers(), ShipRecord.RUN)).collect(Collectors.toSet()));
    }

    @Test
    void readWhoseBrokerIsAwaySaysSoExitsThreeAndTheJournalKeepsItForShip() throws Exception
    {
        broker.createTopic("later", 2);
        final Path journal = dir.resolve("j");
        // Nothing listens on port 1: the broker is away the whole run.
        assertEquals(ExitCodes.OUTPUT_ERROR, run("read", TestCaptures.bundled(THREE, dir).toString(),
            "--journal", journal.toString(), "--no-progress", "--kafka", "127.0.0.1:1", "--topic", "later",
            "--sensor", "edge-l"));
        assertTrue(err.toString().contains("flowtap: the broker had not acknowledged the whole journal when the run " +
            "ended (no acknowledgement for 10 s"), err::toString);
        assertTrue(err.toString().contains("flowtap ship " + journal + " --kafka 127.0.0.1:1 --topic later " +
            "--sensor edge-l --once sends it"), err::toString);
        assertFalse(err.toString().contains("Exception"), err::toString);

        assertEquals(0, run(ship(journal, "later", "edge-l", "--once")), err::toString);
        assertSameExport(export(journal, "local"), exportTopic("later", "from-topic").resolve("edge-l"));

        assertEquals(ExitCodes.USAGE, run("read", TestCaptures.bundled(THREE, dir).toString(), "--kafka",
            broker.bootstrapServers(), "--topic", "later", "--sensor", "edge-l"));
        assertTrue(err.toString().contains("--kafka ships the journal the run writes: give --journal DIR too"),
            err::toString);
        assertEquals(ExitCodes.USAGE, run("read", TestCaptures.bundled(THREE, dir).toString(), "--journal",
            journal.toString(), "--kafka", broker.bootstrapServers(), "--topic", "later"));
        assertTrue(err.toString().contains("--kafka, --topic and --sensor go together"), err::toString);
    }

    @Test
    void aPositionOfAnotherSensorOrABrokerNeverReachedIsOneLine() throws Exception
    {
        final Path journal = journal(THREE, dir.resolve("j"));
        final Path position = dir.resolve("p");
        Files.writeString(position, "# flowtap ship position\ntopic other\nsensor x\n");
        assertEquals(ExitCodes.USAGE, run(ship(journal, "t", "edge-1", "--position", position.toString())));
        assertTrue(err.toString().startsWith("flowtap ship: ") && err.toString().contains("give each its own"),
            err::toString);
        assertEquals(ExitCodes.USAGE, run(ship(journal, "t", "bad name")));
        assertTrue(err.toString().contains("a sensor name is"), err::toString);
        assertEquals(ExitCodes.INPUT_ERROR, run("journal", "stats", "--kafka", broker.bootstrapServers(),
            "--topic", "no-such-topic"));
        assertEquals(1, err.toString().lines().count(), err::toString);
        assertTrue(err.toString().contains("no-such-topic"), err::toString);
        assertEquals(ExitCodes.USAGE, run("journal", "stats", journal.toString(), "--kafka",
            broker.bootstrapServers(), "--topic", "t"));
    }

    private static long flows(final String statsJson)
    {
        final java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\"flows\":(\\d+)").matcher(statsJson);
        assertTrue(matcher.find(), statsJson);
        return Long.parseLong(matcher.group(1));
    }

    /**
     * The same stream files byte for byte, and the same flow records (in the order of their ends in each writer's
     * queue: the topic has each queue in a partition of its own, so records of two queues may come interleaved
     * differently).
     */
    private static void assertSameExport(final Path expected, final Path actual) throws IOException
    {
        final Map<String, byte[]> expectedFiles = files(expected);
        final Map<String, byte[]> actualFiles = files(actual);
        assertTrue(expectedFiles.size() > 1, expectedFiles::toString);
        assertEquals(expectedFiles.keySet(), actualFiles.keySet());
        for (final Map.Entry<String, byte[]> file : expectedFiles.entrySet())
        {
            if (!file.getKey().equals("flows.jsonl"))
            {
                assertArrayEquals(file.getValue(), actualFiles.get(file.getKey()), file.getKey());
            }
        }
        assertEquals(sortedLines(expectedFiles.get("flows.jsonl")), sortedLines(actualFiles.get("flows.jsonl")));
    }

    private static List<String> sortedLines(final byte[] text)
    {
        return new String(text, StandardCharsets.UTF_8).lines().sorted().toList();
    }

    private static Map<String, byte[]> files(final Path dir) throws IOException
    {
        final Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> paths = Files.list(dir))
        {
            for (final Path path : paths.filter(Files::isRegularFile).toList())
            {
                files.put(path.getFileName().toString(), Files.readAllBytes(path));
            }
        }
        return files;
    }

    private static List<ConsumerRecord<byte[], byte[]>> records(final String topic)
    {
        final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
            new ByteArrayDeserializer(), new ByteArrayDeserializer()))
        {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p)) &&
                System.nanoTime() < deadlineNs)
            {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        assertNotNull(records);
        return records;
    }

    /** flowtap in a JVM of its own, as the launcher runs it, so that a test can kill it with SIGKILL. */
    private static Process java(final Path log, final String... args) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (argument.startsWith("--add-") || argument.startsWith("-Dchronicle") || argument.startsWith("-Dagrona"))
            {
                command.add(argument);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Flowtap.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static String log(final Path file)
    {
        try
        {
            return Files.readString(file);
        }
        catch (final IOException ex)
        {
            return ex.toString();
        }
    }
}
