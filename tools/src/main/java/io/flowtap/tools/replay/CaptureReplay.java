package io.flowtap.tools.replay;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.reassembly.FrameFeeder;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.tools.CounterReport;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Reassembles one capture file on the caller's thread, as the {@code streams} and {@code flows} commands do: every
 * frame decoded and fed to the engine, then the engine shut down so every flow ends and its record is final, even
 * when the file turns out damaged part way (what came before the damage is reassembled and reported).
 */
public final class CaptureReplay
{
    private static final int POLL_LIMIT = 256;
    private static final int NAMED_HOSTS = 8;

    private CaptureReplay()
    {
    }

    /**
     * Open a capture file, or say in one line why it cannot be.
     *
     * @param file the capture.
     * @param err  to print the reason to, after {@code prefix}.
     * @param prefix the command's prefix for messages, e.g. {@code "flowtap streams: "}.
     * @return the source, or null when the file cannot be read as a capture.
     */
    public static CaptureFileSource open(final Path file, final PrintStream err, final String prefix)
    {
        try
        {
            return CaptureFiles.open(file);
        }
        catch (final CaptureFileException ex)
        {
            err.println(prefix + ex.getMessage());
            return null;
        }
    }

    /**
     * Feed a whole source to the engine, then shut the engine down.
     *
     * @param source  to read to its end; closed on return.
     * @param decoder to decode with.
     * @param engine  to feed; shut down on return, unless a handler failed.
     * @return null when the whole file was read, or the one-line description of the damage (naming the file and the
     * byte offset) that stopped it.
     */
    public static String replay(final CaptureFileSource source, final PacketDecoder decoder,
        final ReassemblyEngine engine)
    {
        return replay(source, decoder, engine, () -> false);
    }

    /**
     * Feed a source to the engine until its end or until asked to stop, then shut the engine down.
     *
     * @param source  to read; closed on return.
     * @param decoder to decode with.
     * @param engine  to feed; shut down on return.
     * @param stop    checked between batches of frames: true stops the reading (a handler's error, under
     *                {@code --handler-errors stop}).
     * @return null when the source was read to its end or stopped, or the one-line description of the damage.
     */
    public static String replay(
        final CaptureFileSource source, final PacketDecoder decoder, final ReassemblyEngine engine,
        final BooleanSupplier stop)
    {
        final FrameFeeder feeder = new FrameFeeder(decoder, engine);
        String damage = null;
        try (source)
        {
            while (!source.isEndOfStream() && !stop.getAsBoolean())
            {
                source.poll(feeder, POLL_LIMIT);
            }
        }
        catch (final CaptureFileException ex)
        {
            damage = ex.getMessage();
        }
        engine.shutdown();
        return damage;
    }

    /**
     * Print the decoder's and the engine's counters, the hosts found to offload their checksums, and a hint when
     * segments were ignored for a bad checksum or fragments were still waiting at the end.
     *
     * @param err     to print to.
     * @param decoder whose counters to print.
     * @param engine  whose counters to print.
     */
    public static void printCounters(final PrintStream err, final PacketDecoder decoder, final ReassemblyEngine engine)
    {
        CounterReport.print(err, decoder.counters());
        if (decoder.defragmenter() != null && decoder.defragmenter().fragmentsHeld() > 0)
        {
            err.printf("  %-28s %d%n", "fragments: waiting at the end", decoder.defragmenter().fragmentsHeld());
        }
        CounterReport.print(err, engine.counters());
        printChecksumNotes(err, engine.counters().get(EngineCounter.BAD_CHECKSUM), engine.checksumOffloadHosts());
    }

    /**
     * Name the hosts found to offload their checksums, and say what became of segments with bad checksums.
     *
     * @param err          to print to.
     * @param badChecksums segments ignored for a bad checksum.
     * @param hosts        the hosts found to offload, as the engine describes them.
     */
    public static void printChecksumNotes(final PrintStream err, final long badChecksums, final List<String> hosts)
    {
        if (!hosts.isEmpty())
        {
            final int named = Math.min(hosts.size(), NAMED_HOSTS);
            final String more = hosts.size() > named ? " and " + (hosts.size() - named) + " more hosts" : "";
            err.printf("checksum offload: %s%s sent bad TCP checksums that their peers acknowledged (the capture was "
                + "taken before the NIC filled them in); their segments were kept%n",
                String.join(", ", hosts.subList(0, named)), more);
        }
        if (badChecksums > 0)
        {
            err.printf("note: %d segments with a bad TCP checksum were ignored, as their receivers ignored them (never "
                + "acknowledged, or a good copy came); --checksum off keeps them%n", badChecksums);
        }
    }
}
