package io.flowtap.pipeline.journal;

import io.flowtap.reassembly.Direction;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.reassembly.test.Conversation;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.nio.file.Paths;

/**
 * A child process for the kill test: journals numbered payload events as fast as it can, forever, and after every
 * hundredth prints how many are committed. It never closes the journal; it is killed.
 */
public final class JournalWriterMain
{
    static final int MAX_LENGTH = 40_000;
    private static Flow flow;

    private JournalWriterMain()
    {
    }

    /**
     * @param args the journal directory.
     */
    public static void main(final String[] args)
    {
        final ChronicleJournal journal = ChronicleJournal.open(new JournalContext().directory(Paths.get(args[0])));
        final JournalWriter writer = journal.newWriter(0);
        final ReassemblyEngine engine = new ReassemblyEngine(new EngineContext().maxFlows(4), new TcpHandler()
        {
            @Override
            public void onNewFlow(final Flow newFlow, final long timeNs)
            {
                flow = newFlow;
            }
        });
        new Conversation(engine, 1, 2).handshake();
        final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(MAX_LENGTH, 64));
        long offset = 0;
        for (long sequence = 0; ; sequence++)
        {
            final int length = length(sequence);
            fill(buffer, sequence, length);
            writer.onPayload(flow, Direction.TO_SERVER, offset, buffer, 0, length, sequence, TcpHandler.EOF_NONE);
            offset += length;
            if (sequence % 100 == 99)
            {
                System.out.println("committed " + (sequence + 1));
                System.out.flush();
            }
        }
    }

    static int length(final long sequence)
    {
        return 8 + (int)((sequence * 7919) % (MAX_LENGTH - 8));
    }

    static void fill(final UnsafeBuffer buffer, final long sequence, final int length)
    {
        buffer.putLong(0, sequence, ByteOrder.LITTLE_ENDIAN);
        for (int i = 8; i < length; i++)
        {
            buffer.putByte(i, (byte)(sequence + i));
        }
    }
}
