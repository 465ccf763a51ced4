package io.flowtap.capture.file;

import io.flowtap.capture.Frame;
import io.flowtap.capture.FrameHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static io.flowtap.capture.file.PcapFileSourceTest.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pcap file past 2 GiB, written sparse so it costs seconds rather than minutes: the 256 KiB of each record's data
 * is left as a hole that reads as zeros.
 */
class LargeFileTest
{
    private static final int FILE_HEADER = 24;
    private static final int RECORD_HEADER = 16;
    private static final int SNAP_LENGTH = 262_144;
    private static final int RECORD = RECORD_HEADER + SNAP_LENGTH;
    private static final long TWO_GIB = 1L << 31;
    private static final int BULK_RECORDS = (int)((TWO_GIB + (64L << 20)) / RECORD);
    private static final int MARK_LENGTH = 64;

    @TempDir
    Path tempDir;

    @Test
    void shouldReadFramesBeyondTwoGibibytes() throws IOException
    {
        final Path path = tempDir.resolve("large.pcap");
        final long straddlerIndex = (TWO_GIB - FILE_HEADER) / RECORD;
        final long straddlerAt = FILE_HEADER + straddlerIndex * RECORD;
        final long lastAt = FILE_HEADER + (long)BULK_RECORDS * RECORD;
        final byte[] mark = bytes(MARK_LENGTH, 77);

        try (FileChannel channel = FileChannel.open(
            path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE))
        {
            final ByteBuffer header = ByteBuffer.allocate(FILE_HEADER).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(0xA1B2C3D4).putShort((short)2).putShort((short)4).putInt(0).putInt(0)
                .putInt(SNAP_LENGTH).putInt(1).flip();
            channel.write(header, 0);

            final ByteBuffer record = ByteBuffer.allocate(RECORD_HEADER).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < BULK_RECORDS; i++)
            {
                record.clear();
                record.putInt(1_700_000_000 + i).putInt(i).putInt(SNAP_LENGTH).putInt(SNAP_LENGTH).flip();
                channel.write(record, FILE_HEADER + (long)i * RECORD);
            }

            // The record across the 2 GiB line (and the first window's end) carries the mark at both ends.
            channel.write(ByteBuffer.wrap(mark), straddlerAt + RECORD_HEADER);
            channel.write(ByteBuffer.wrap(mark), straddlerAt + RECORD - MARK_LENGTH);

            record.clear();
            record.putInt(1_800_000_000).putInt(123_456).putInt(MARK_LENGTH).putInt(1514).flip();
            channel.write(record, lastAt);
            channel.write(ByteBuffer.wrap(mark), lastAt + RECORD_HEADER);
        }

        final Checker checker = new Checker(straddlerIndex + 1);
        final long startNs = System.nanoTime();
        try (PcapFileSource source = (PcapFileSource)CaptureFiles.open(path))
        {
            assertTrue(source.size() > TWO_GIB + (32L << 20));
            while (!source.isEndOfStream())
            {
                source.poll(checker, 1000);
            }
            assertEquals(source.size(), source.position());
            assertTrue(source.window().remapCount() <= 3, "windows mapped: " + source.window().remapCount());
        }
        System.out.printf("LargeFileTest: read %d frames of a %.2f GiB file in %d ms%n",
            checker.frames, (lastAt + RECORD_HEADER + MARK_LENGTH) / (double)(1L << 30),
            (System.nanoTime() - startNs) / 1_000_000);

        assertEquals(BULK_RECORDS + 1, checker.frames);
        assertArrayEquals(mark, checker.straddlerHead);
        assertArrayEquals(mark, checker.straddlerTail);
        assertEquals(straddlerAt, checker.straddlerAt);
        assertEquals(lastAt, checker.last.sourcePosition());
        assertTrue(checker.last.sourcePosition() > TWO_GIB);
        assertEquals(new SeenFrame(BULK_RECORDS + 1, lastAt, 0, 1, 1_800_000_000_123_456_000L, MARK_LENGTH, 1514, mark),
            checker.last);
    }

    private static final class Checker implements FrameHandler
    {
        private final long straddlerNumber;
        private long frames;
        private long straddlerAt;
        private byte[] straddlerHead;
        private byte[] straddlerTail;
        private SeenFrame last;

        Checker(final long straddlerNumber)
        {
            this.straddlerNumber = straddlerNumber;
        }

        @Override
        public void onFrame(final Frame frame)
        {
            frames++;
            if (frame.frameNumber() != frames)
            {
                throw new AssertionError("frame number " + frame.frameNumber() + " where " + frames + " expected");
            }
            if (frame.capturedLength() == SNAP_LENGTH)
            {
                final long expectedNs = (1_700_000_000L + frames - 1) * 1_000_000_000L + (frames - 1) * 1000L;
                if (frame.timestampNs() != expectedNs)
                {
                    throw new AssertionError("frame " + frames + " timestamp " + frame.timestampNs());
                }
            }
            if (frame.frameNumber() == straddlerNumber)
            {
                straddlerAt = frame.sourcePosition();
                straddlerHead = new byte[MARK_LENGTH];
                straddlerTail = new byte[MARK_LENGTH];
                frame.buffer().getBytes(frame.offset(), straddlerHead);
                frame.buffer().getBytes(frame.offset() + SNAP_LENGTH - MARK_LENGTH, straddlerTail);
            }
            last = SeenFrame.of(frame);
        }
    }
}
