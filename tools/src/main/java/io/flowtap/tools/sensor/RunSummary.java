package io.flowtap.tools.sensor;

import io.flowtap.capture.codec.IpDefragmenter;
import io.flowtap.pipeline.Pipeline;
import io.flowtap.pipeline.poll.PipelinePoller;
import io.flowtap.pipeline.worker.Worker;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.tools.replay.CaptureReplay;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Lines of a sensor run's summary that both {@code capture} and {@code read} print once the pipeline has closed:
 * what active response did, and what the engines made of bad checksums and the pollers of fragments.
 */
public final class RunSummary
{
    private RunSummary()
    {
    }

    /**
     * The engines' active-response counters (resets requested, RST frames sent and refused, resets not sent,
     * connections dropped and their packets ignored), summed over the workers, one line each; empty when all are zero.
     *
     * @param pipeline whose workers' engines to sum.
     * @return the lines.
     */
    public static String activeResponse(final Pipeline pipeline)
    {
        final EngineCounter[] shown = {EngineCounter.RESET_REQUESTED, EngineCounter.RESET_FRAMES_SENT,
            EngineCounter.RESET_SEND_FAILED, EngineCounter.RESET_NOT_SENT, EngineCounter.FLOWS_DROPPED,
            EngineCounter.DROPPED_FLOW};
        final long[] totals = new long[shown.length];
        long any = 0;
        for (final Worker worker : pipeline.workers())
        {
            for (int i = 0; i < shown.length; i++)
            {
                final long value = worker.engine().counters().get(shown[i]);
                totals[i] += value;
                any += value;
            }
        }
        final StringBuilder out = new StringBuilder();
        for (int i = 0; i < shown.length && any > 0; i++)
        {
            out.append(String.format(Locale.ROOT, "  active response: %-28s %d%n", shown[i].label(), totals[i]));
        }
        return out.toString();
    }

    /**
     * What the workers' engines made of segments with bad checksums, and the pollers' reassembly of fragments at the
     * end: the hosts found to offload their checksums, the bad segments ignored, the fragments still waiting.
     * Once the pipeline has closed.
     *
     * @param pipeline whose workers and pollers to read.
     * @return the lines; empty when there is nothing to say.
     */
    public static String checksumsAndFragments(final Pipeline pipeline)
    {
        final List<String> hosts = new ArrayList<>();
        long ignored = 0;
        for (final Worker worker : pipeline.workers())
        {
            hosts.addAll(worker.engine().checksumOffloadHosts());
            ignored += worker.engine().counters().get(EngineCounter.BAD_CHECKSUM);
        }
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8))
        {
            long waiting = 0;
            for (final PipelinePoller poller : pipeline.pollers())
            {
                final IpDefragmenter defragmenter = poller.dispatcher().decoder()
                    .defragmenter();
                waiting += defragmenter == null ? 0 : defragmenter.fragmentsHeld();
            }
            if (waiting > 0)
            {
                out.printf("fragments still waiting for the rest of their datagrams at the end: %d%n", waiting);
            }
            CaptureReplay.printChecksumNotes(out, ignored, hosts);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
