package io.flowtap.pipeline.journal;

import io.flowtap.capture.ring.LiveNetwork;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A writer process killed while it journals (SIGTERM, as {@code destroy()} sends, and SIGKILL) leaves a journal that
 * reads back completely up to its last committed excerpt: every event it reported committed is there, byte-exact, in
 * order, and at most one unfinished excerpt follows.
 */
class JournalKillTest
{
    private static final int LEAST_EVENTS_BEFORE_KILL = 2_000;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void shouldReadBackEverythingCommittedBeforeTheKill(final boolean forcibly, @TempDir final Path temp)
        throws InterruptedException
    {
        final Path directory = temp.resolve("journal");
        final List<String> command = javaMain(JournalWriterMain.class, directory.toString());
        final Process process = LiveNetwork.start(command);
        try
        {
            awaitEvents(process, directory);
        }
        finally
        {
            // Killed whatever happened: a writer left running journals until the disk is full.
            if (forcibly)
            {
                process.destroyForcibly();
            }
            else
            {
                process.destroy();
            }
        }
        final LiveNetwork.Result result = LiveNetwork.await(process, command, 60);
        assertTrue(result.exitCode() != 0, "the writer was killed, exit code " + result.exitCode());
        final long committed = lastCommitted(result.stdout());
        assertTrue(committed >= LEAST_EVENTS_BEFORE_KILL, "committed " + committed + "; " + result.stderr());

        final long[] next = new long[1];
        final UnsafeBuffer expected = new UnsafeBuffer(new byte[JournalWriterMain.MAX_LENGTH]);
        try (JournalReader reader = JournalReader.open(directory))
        {
            reader.readAll(new JournalVisitor()
            {
                @Override
                public void onPayload(
                    final int run,
                    final int source,
                    final long flowId,
                    final long timeNs,
                    final int direction,
                    final long streamOffset,
                    final DirectBuffer buffer,
                    final int offset,
                    final int length,
                    final int eof)
                {
                    final long sequence = next[0]++;
                    assertEquals(sequence, timeNs, "payload events in order");
                    assertEquals(JournalWriterMain.length(sequence), length, "length of payload " + sequence);
                    JournalWriterMain.fill(expected, sequence, length);
                    for (int i = 0; i < length; i++)
                    {
                        if (buffer.getByte(offset + i) != expected.getByte(i))
                        {
                            fail("payload " + sequence + " differs at byte " + i);
                        }
                    }
                }
            });
            System.out.println("killed writer (" + (forcibly ? "SIGKILL" : "SIGTERM") + ") reported " + committed +
                " committed; read back " + next[0] + (reader.damage() == null ? "" : "; " + reader.damage().message()));
            assertTrue(next[0] >= committed, "read " + next[0] + " of " + committed + " committed");
            if (reader.damage() != null)
            {
                assertEquals(JournalDamage.Kind.INCOMPLETE_TAIL, reader.damage().kind(), reader.damage().message());
            }
        }
    }

    private static void awaitEvents(final Process process, final Path directory) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadlineNs && process.isAlive())
        {
            final List<Path> queues = JournalReader.writerQueues(directory);
            if (!queues.isEmpty() && !CycleRetention.cycleFiles(queues.get(0)).isEmpty())
            {
                try (JournalReader reader = JournalReader.open(directory))
                {
                    if (reader.poll(new JournalVisitor()
                    {
                    }, LEAST_EVENTS_BEFORE_KILL * 2) >= LEAST_EVENTS_BEFORE_KILL * 2)
                    {
                        return;
                    }
                }
            }
            Thread.sleep(20);
        }
        assertTrue(process.isAlive(), "the writer died by itself");
        fail("the writer did not journal " + LEAST_EVENTS_BEFORE_KILL * 2 + " events within a minute");
    }

    private static long lastCommitted(final String stdout)
    {
        long committed = 0;
        for (final String line : stdout.split("\n"))
        {
            if (line.startsWith("committed "))
            {
                committed = Long.parseLong(line.substring("committed ".length()).trim());
            }
        }
        return committed;
    }

    /**
     * Like {@link LiveNetwork#javaMain}, with the JVM flags this test runs with (Chronicle's opens and exports, and
     * its analytics off), which a child that journals needs too.
     */
    private static List<String> javaMain(final Class<?> mainClass, final String... arguments)
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        for (final String flag : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (flag.startsWith("--add-opens") || flag.startsWith("--add-exports") || flag.startsWith("-Dchronicle") ||
                flag.startsWith("-Dagrona"))
            {
                command.add(flag);
            }
        }
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(arguments));
        return command;
    }
}
