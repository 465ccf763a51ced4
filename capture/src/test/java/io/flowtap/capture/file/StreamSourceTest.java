package io.flowtap.capture.file;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.FrameHandler;
import io.flowtap.capture.test.Allocations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A capture read from a named pipe, as a stream ({@link StreamWindow}): a writer that trickles the file in odd-sized
 * pieces, with pauses mid-record, gives exactly the frames the mapped file gives; records larger than the buffer's
 * moves are kept whole; a stream cut mid-record is damage at the right offset; and steady reading allocates nothing.
 */
class StreamSourceTest
{
    private static final int FRAMES = 30_000;

    @TempDir
    Path dir;

    @Test
    void shouldReadAPcapFromAPipeWrittenInPiecesAsTheFileReads() throws Exception
    {
        final Path file = pcap(FRAMES);
        assertEquals(Frames.readAll(file), readThroughPipe(file, 1013, 1L));
    }

    @Test
    void shouldReadAPcapngFromAPipeWrittenInPiecesAsTheFileReads() throws Exception
    {
        final Path file = pcapng(FRAMES);
        assertEquals(Frames.readAll(file), readThroughPipe(file, 997, 1L));
    }

    @Test
    void shouldKeepRecordsWholeAcrossBufferMoves() throws Exception
    {
        // 100 000 records of 200 bytes or so: 20 MB, more than the 16 MiB buffer, so it moves mid-stream.
        final Path file = pcap(100_000);
        assertTrue(Files.size(file) > StreamWindow.INITIAL_CAPACITY);
        assertEquals(Frames.readAll(file), readThroughPipe(file, 1 << 16, 0L));
    }

    @Test
    void shouldSayWhereAStreamCutMidRecordEnds() throws Exception
    {
        final Path whole = pcap(10);
        final byte[] bytes = Files.readAllBytes(whole);
        final Path cut = Files.write(dir.resolve("cut.pcap"), Arrays.copyOf(bytes, bytes.length - 7));
        final Path fifo = fifo("cut");
        final Thread writer = writer(cut, fifo, 64, 0L);
        final List<SeenFrame> frames = new ArrayList<>();
        try (CaptureFileSource source = CaptureFiles.open(fifo))
        {
            final CaptureFileException damage = assertThrows(CaptureFileException.class, () ->
            {
                while (!source.isEndOfStream())
                {
                    source.poll(frame -> frames.add(SeenFrame.of(frame)), 4);
                }
            });
            assertEquals(9, frames.size());
            assertTrue(damage.getMessage().startsWith(fifo + ": truncated packet record: needs "),
                damage.getMessage());
        }
        writer.join();
    }

    @Test
    void shouldNotAllocatePerFrameReadingAStream() throws Exception
    {
        final Path file = pcap(100_000);
        final Path fifo = fifo("alloc");
        final Thread writer = writer(file, fifo, 1 << 20, 0L);
        final long[] frames = {0};
        final FrameHandler counter = frame -> frames[0] += frame.capturedLength() > 0 ? 1 : 0;
        try (CaptureFileSource source = CaptureFiles.open(fifo))
        {
            while (frames[0] < 1000)
            {
                source.poll(counter, 256);
            }
            final long before = Allocations.currentThreadBytes();
            while (!source.isEndOfStream())
            {
                source.poll(counter, 256);
            }
            final long allocated = Allocations.currentThreadBytes() - before;
            System.out.println("StreamSourceTest: " + frames[0] + " frames, " + allocated + " bytes allocated");
            assertEquals(100_000, frames[0]);
            // The buffer grows on no record here; what remains is the JIT's, not per frame (100 000 frames).
            assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes");
        }
        writer.join();
    }

    private List<SeenFrame> readThroughPipe(final Path file, final int pieceLength, final long pauseMs)
        throws Exception
    {
        final Path fifo = fifo("pipe");
        final Thread writer = writer(file, fifo, pieceLength, pauseMs);
        final List<SeenFrame> frames;
        try (CaptureFileSource source = CaptureFiles.open(fifo))
        {
            frames = Frames.drain(source, 7);
        }
        writer.join(TimeUnit.SECONDS.toMillis(60));
        return frames;
    }

    /**
     * Write the file into the pipe in pieces, pausing every 64 pieces so that the reader sees records half there.
     */
    private static Thread writer(final Path file, final Path fifo, final int pieceLength, final long pauseMs)
    {
        final Thread thread = new Thread(() ->
        {
            try (OutputStream out = Files.newOutputStream(fifo))
            {
                final byte[] bytes = Files.readAllBytes(file);
                int piece = 0;
                for (int at = 0; at < bytes.length; at += pieceLength)
                {
                    out.write(bytes, at, Math.min(pieceLength, bytes.length - at));
                    out.flush();
                    if (pauseMs > 0 && ++piece % 64 == 0)
                    {
                        Thread.sleep(pauseMs);
                    }
                }
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "fifo-writer");
        thread.start();
        return thread;
    }

    private Path fifo(final String name) throws IOException, InterruptedException
    {
        final Path fifo = dir.resolve(name + ".fifo");
        final Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(mkfifo.waitFor() == 0, "skipped: mkfifo is not available");
        return fifo;
    }

    private Path pcap(final int frames) throws IOException
    {
        final PcapTestWriter writer = new PcapTestWriter(ByteOrder.LITTLE_ENDIAN, PcapTestWriter.MAGIC_MICROSECONDS,
            65535, 1);
        for (int i = 0; i < frames; i++)
        {
            final byte[] data = bytes(60 + (i * 37) % 240, i);
            writer.record(1_700_000_000L + i, i % 1_000_000, data, data.length);
        }
        return writer.writeTo(dir.resolve("stream-" + frames + ".pcap"));
    }

    private Path pcapng(final int frames) throws IOException
    {
        final PcapngTestWriter writer = new PcapngTestWriter()
            .sectionHeader(ByteOrder.BIG_ENDIAN)
            .interfaceDescription(1, 0)
            .interfaceDescription(101, 0, 9, 0);
        for (int i = 0; i < frames; i++)
        {
            final byte[] data = bytes(60 + (i * 31) % 300, i);
            writer.enhancedPacket(i % 2, 1_700_000_000_000_000L + i, data, data.length);
            if (i % 997 == 0)
            {
                writer.interfaceStatistics(0);
            }
        }
        return writer.writeTo(dir.resolve("stream-" + frames + ".pcapng"));
    }

    private static byte[] bytes(final int length, final int seed)
    {
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(seed * 31 + i);
        }
        return bytes;
    }
}
