package io.flowtap.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node Kafka broker for tests: KRaft mode (one process that is broker and controller), from Maven
 * Central's {@code kafka_2.13} on the test class path, in a JVM of its own on free local ports, its log in a directory
 * of the test's. A JVM of its own so that a test can kill it ({@code kill -9}) and start it again on the same ports
 * and data, as an operator's broker goes away and comes back.
 * <p>
 * Start one per test class: it takes seconds.
 */
public final class TestBroker implements AutoCloseable
{
    private static final long START_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(90);

    private final Path dir;
    private final Path config;
    private final int port;
    private Process process;
    private int starts;

    private TestBroker(final Path dir, final Path config, final int port)
    {
        this.dir = dir;
        this.config = config;
        this.port = port;
    }

    /**
     * Format a new broker's storage and start it.
     *
     * @param dir for its data, configuration and log.
     * @return the broker, ready for clients.
     * @throws IOException          writing its configuration.
     * @throws InterruptedException waiting for it.
     */
    public static TestBroker start(final Path dir) throws IOException, InterruptedException
    {
        Files.createDirectories(dir);
        final int port = freePort();
        final int controllerPort = freePort();
        final Path config = dir.resolve("server.properties");
        final String text = String.join("\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs=" + dir.resolve("data"),
            "num.partitions=4",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=true",
            "message.max.bytes=16777216",
            "log.flush.interval.messages=1",
            "");
        Files.writeString(config, text, StandardCharsets.UTF_8);
        final Process format = java(dir.resolve("format.log"), "kafka.tools.StorageTool", "format", "-t",
            Uuid.randomUuid().toString(), "-c", config.toString());
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0)
        {
            format.destroyForcibly();
            throw new IllegalStateException("formatting the test broker's storage failed: " +
                Files.readString(dir.resolve("format.log")));
        }
        final TestBroker broker = new TestBroker(dir, config, port);
        broker.restart();
        return broker;
    }

    /**
     * @return {@code 127.0.0.1:PORT}, for {@code --kafka}.
     */
    public String bootstrapServers()
    {
        return "127.0.0.1:" + port;
    }

    /**
     * Make a topic.
     *
     * @param topic      its name.
     * @param partitions how many.
     */
    public void createTopic(final String topic, final int partitions)
    {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers())))
        {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short)1).configs(
                Map.of("max.message.bytes", "16777216")))).all().get(30, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("cannot create topic " + topic + ": " + ex, ex);
        }
    }

    /**
     * Kill the broker as {@code kill -9} does: no clean shutdown.
     *
     * @throws InterruptedException waiting for it to go.
     */
    public void kill() throws InterruptedException
    {
        if (process != null)
        {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            process = null;
        }
    }

    /**
     * Start the broker again on its ports and data (after {@link #kill()}), and wait until it answers.
     *
     * @throws IOException          starting it.
     * @throws InterruptedException waiting for it.
     */
    public void restart() throws IOException, InterruptedException
    {
        kill();
        final Path log = dir.resolve("broker-" + (starts++) + ".log");
        process = java(log, "kafka.Kafka", config.toString());
        final long deadlineNs = System.nanoTime() + START_TIMEOUT_NS;
        while (!Files.readString(log, StandardCharsets.UTF_8).contains("Kafka Server started"))
        {
            if (!process.isAlive() || System.nanoTime() > deadlineNs)
            {
                process.destroyForcibly();
                throw new IllegalStateException("the test broker did not start: " + tail(log));
            }
            Thread.sleep(100);
        }
        awaitPort(deadlineNs);
    }

    @Override
    public void close()
    {
        try
        {
            kill();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitPort(final long deadlineNs) throws InterruptedException
    {
        while (true)
        {
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return;
            }
            catch (final IOException ex)
            {
                if (System.nanoTime() > deadlineNs)
                {
                    throw new IllegalStateException("the test broker does not accept connections on " + port, ex);
                }
                Thread.sleep(100);
            }
        }
    }

    private static Process java(final Path log, final String mainClass, final String... args) throws IOException
    {
        final String javaBin = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        final List<String> command = new java.util.ArrayList<>(List.of(javaBin, "-Xmx512m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
            "-Dorg.slf4j.simpleLogger.log.org.apache.kafka=info", "-cp", System.getProperty("java.class.path"),
            mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Paths.get("/dev/null").toFile())).start();
    }

    private static String tail(final Path log)
    {
        try
        {
            final String text = Files.readString(log, StandardCharsets.UTF_8);
            return text.substring(Math.max(0, text.length() - 4000));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
