package io.flowtap.reassembly;

import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.FrameSource;
import io.flowtap.capture.codec.PacketDecoder;

/**
 * Decodes frames and feeds the TCP segments among them to an engine, on the caller's thread: how a capture file is
 * reassembled without a pipeline (the {@code streams} and {@code flows} commands, tests), with the decoder stages a
 * pipeline's pollers run (tunnels, fragments, duplicates, as the decoder's context asks). Frames that are not TCP
 * segments are counted by the decoder under their reason.
 */
public final class FrameFeeder implements FrameHandler
{
    private final PacketDecoder decoder;
    private final ReassemblyEngine engine;
    private long lastTimeNs = Long.MIN_VALUE;

    /**
     * @param decoder to decode with (its checksum mode decides what counts as a bad checksum).
     * @param engine  to feed.
     */
    public FrameFeeder(final PacketDecoder decoder, final ReassemblyEngine engine)
    {
        this.decoder = decoder;
        this.engine = engine;
    }

    @Override
    public void onFrame(final Frame frame)
    {
        if (decoder.decode(frame))
        {
            // A datagram reassembled from fragments is as long on the wire as its frame made whole, as the
            // pipeline's pollers hand it on.
            engine.onSegment(decoder, frame.timestampNs(),
                decoder.isReassembled() ? decoder.capturedLength() : frame.wireLength());
        }
        lastTimeNs = Math.max(lastTimeNs, frame.timestampNs());
    }

    /**
     * Feed a whole source, then shut the engine down so every flow ends and its record is final.
     *
     * @param source to read until its end.
     * @return frames read.
     */
    public long feedAll(final FrameSource source)
    {
        long frames = 0;
        while (!source.isEndOfStream())
        {
            frames += source.poll(this, 256);
        }
        engine.shutdown();
        return frames;
    }

    /**
     * @return the decoder's counters' source.
     */
    public PacketDecoder decoder()
    {
        return decoder;
    }

    /**
     * @return the latest frame time seen, or {@link Long#MIN_VALUE} before the first frame.
     */
    public long lastTimeNs()
    {
        return lastTimeNs;
    }
}
