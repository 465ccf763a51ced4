package io.flowtap.tools.capture;

import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.pipeline.worker.SegmentHandler;
import io.flowtap.tools.text.SegmentFormatter;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The printing capture's handler on a worker: one line per segment, as {@code inspect} prints them, until the count is
 * reached. Each whole line is written under the output's lock, so lines of several workers never interleave; with one
 * worker they come in the order the poller read them.
 * <p>
 * One per worker, called on its thread; the count of lines printed is shared and read by the capture's thread.
 */
final class SegmentPrinter implements SegmentHandler
{
    private final SegmentFormatter formatter = new SegmentFormatter();
    private final PrintStream out;
    private final boolean json;
    private final long count;
    private final AtomicLong printed;

    /**
     * @param out     for the lines.
     * @param json    one JSON object per line rather than text.
     * @param count   most lines printed over every worker.
     * @param printed lines printed so far over every worker.
     */
    SegmentPrinter(final PrintStream out, final boolean json, final long count, final AtomicLong printed)
    {
        this.out = out;
        this.json = json;
        this.count = count;
        this.printed = printed;
    }

    @Override
    public void onSegment(final PacketDecoder segment, final long frameNumber, final long timeNs)
    {
        if (printed.get() < count && printed.incrementAndGet() <= count)
        {
            final StringBuilder line = json ? formatter.json(frameNumber, timeNs, segment) :
                formatter.text(frameNumber, timeNs, segment);
            line.append('\n');
            synchronized (out)
            {
                out.append(line);
            }
        }
    }
}
