package io.flowtap.tools.gen;

import io.flowtap.perf.gen.ExpectedStreams;
import io.flowtap.tools.streams.StreamsCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code flowtap gen}: reproducible for a seed, and its expected streams are exactly what {@code flowtap streams}
 * reassembles from the capture, with every impairment switched on, with and without sequence wrap.
 */
class GenCommandTest
{
    @TempDir
    Path tempDir;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int gen(final String... args)
    {
        return new CommandLine(new GenCommand().messages(new PrintStream(err, true, StandardCharsets.UTF_8)))
            .setErr(new PrintWriter(new StringWriter())).execute(args);
    }

    private int streams(final Path capture, final Path out)
    {
        return new CommandLine(new StreamsCommand().streams(new PrintStream(err, true, StandardCharsets.UTF_8)))
            .execute(capture.toString(), "--out", out.toString());
    }

    @Test
    void shouldWriteTheSameBytesForTheSameSeedAndOtherBytesForAnother() throws IOException
    {
        final String[] impaired = {"--packets", "5000", "--connections", "20", "--loss", "0.02", "--reorder", "0.02",
            "--duplicate", "0.02", "--overlap", "0.02", "--wrap"};
        assertEquals(0, gen(concat(new String[]{"-o", tempDir.resolve("a.pcap").toString(), "--seed", "7"}, impaired)));
        assertEquals(0, gen(concat(new String[]{"-o", tempDir.resolve("b.pcap").toString(), "--seed", "7"}, impaired)));
        assertEquals(0, gen(concat(new String[]{"-o", tempDir.resolve("c.pcap").toString(), "--seed", "8"}, impaired)));

        final byte[] a = Files.readAllBytes(tempDir.resolve("a.pcap"));
        assertArrayEquals(a, Files.readAllBytes(tempDir.resolve("b.pcap")));
        assertFalse(Arrays.equals(a, Files.readAllBytes(tempDir.resolve("c.pcap"))));
        final Map<String, byte[]> expectedA = files(tempDir.resolve("a.expected"));
        final Map<String, byte[]> expectedB = files(tempDir.resolve("b.expected"));
        assertEquals(expectedA.keySet(), expectedB.keySet());
        for (final String name : expectedA.keySet())
        {
            assertArrayEquals(expectedA.get(name), expectedB.get(name), name);
        }
    }

    @Test
    void shouldMatchWhatFlowtapStreamsReassemblesWithoutImpairments() throws IOException
    {
        assertStreamsMatch("clean", "--packets", "20000", "--connections", "50", "--seed", "1");
    }

    @Test
    void shouldMatchWhatFlowtapStreamsReassemblesWithLossReorderDuplicatesAndOverlaps() throws IOException
    {
        final String summary = assertStreamsMatch("impaired", "--packets", "30000", "--connections", "100",
            "--seed", "2", "--loss", "0.03", "--reorder", "0.03", "--duplicate", "0.03", "--overlap", "0.04");
        assertEveryImpairmentHappened(summary);
    }

    @Test
    void shouldMatchWhatFlowtapStreamsReassemblesWhenSequenceNumbersWrap() throws IOException
    {
        final String summary = assertStreamsMatch("wrapped", "--packets", "30000", "--connections", "100",
            "--seed", "3", "--loss", "0.03", "--reorder", "0.03", "--duplicate", "0.03", "--overlap", "0.04", "--wrap");
        assertEveryImpairmentHappened(summary);
    }

    @Test
    void shouldWriteSmallFramesWithoutTimestampsThatStillReassemble() throws IOException
    {
        assertStreamsMatch("small", "--packets", "20000", "--connections", "50", "--seed", "4", "--frame-size",
            "64", "--loss", "0.02", "--reorder", "0.02", "--duplicate", "0.02", "--overlap", "0.02");
        final List<Integer> lengths = frameLengths(tempDir.resolve("small.pcap"));
        assertEquals(54, (int)lengths.get(0));
        assertEquals(66, (int)lengths.get(lengths.size() - 1));
        assertEquals(64, (int)lengths.get(lengths.size() / 2));
    }

    @Test
    void shouldWriteFramesOf66To1514BytesWithAMedianNear900() throws IOException
    {
        final Path capture = tempDir.resolve("sizes.pcap");
        assertEquals(0, gen("-o", capture.toString(), "--packets", "20000", "--connections", "30", "--no-expected"));
        final List<Integer> lengths = frameLengths(capture);
        assertTrue(lengths.size() >= 20000, "only " + lengths.size() + " packets");
        assertEquals(66, (int)lengths.get(0));
        assertEquals(1514, (int)lengths.get(lengths.size() - 1));
        final int median = lengths.get(lengths.size() / 2);
        assertTrue(median > 750 && median < 1050, "median frame " + median);
        assertFalse(Files.exists(tempDir.resolve("sizes.expected")));
    }

    @Test
    void shouldRefuseRatesThatCannotBeHonoured()
    {
        assertEquals(2, gen("-o", tempDir.resolve("x.pcap").toString(), "--loss", "1.5"));
        assertEquals(2, gen("-o", tempDir.resolve("x.pcap").toString(), "--loss", "0.6", "--reorder", "0.6"));
        assertEquals(2, gen("-o", tempDir.resolve("x.pcap").toString(), "--connections", "0"));
    }

    private static List<Integer> frameLengths(final Path capture) throws IOException
    {
        final ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(capture)).order(ByteOrder.LITTLE_ENDIAN);
        final List<Integer> lengths = new ArrayList<>();
        for (int position = 24; position < file.limit(); )
        {
            final int length = file.getInt(position + 8);
            lengths.add(length);
            position += 16 + length;
        }
        lengths.sort(Integer::compare);
        return lengths;
    }

    private String assertStreamsMatch(final String name, final String... options) throws IOException
    {
        final Path capture = tempDir.resolve(name + ".pcap");
        err.reset();
        assertEquals(0, gen(concat(new String[]{"-o", capture.toString()}, options)), err.toString());
        final String summary = err.toString(StandardCharsets.UTF_8);
        final Path got = tempDir.resolve(name + ".got");
        assertEquals(0, streams(capture, got), err.toString(StandardCharsets.UTF_8));

        final Map<String, byte[]> expected = files(tempDir.resolve(name + ".expected"));
        final Map<String, byte[]> reassembled = files(got);
        expected.remove(ExpectedStreams.MANIFEST);
        reassembled.remove(StreamsCommand.FLOWS_FILE);
        assertTrue(expected.size() > 100, "only " + expected.size() + " expected streams");
        assertEquals(expected.keySet(), reassembled.keySet());
        int differing = 0;
        final StringBuilder first = new StringBuilder();
        for (final Map.Entry<String, byte[]> entry : expected.entrySet())
        {
            final byte[] actual = reassembled.get(entry.getKey());
            if (!Arrays.equals(entry.getValue(), actual))
            {
                if (differing++ == 0)
                {
                    first.append(entry.getKey()).append(": expected ").append(entry.getValue().length)
                        .append(" bytes, got ").append(actual.length).append(", first difference at ")
                        .append(Arrays.mismatch(entry.getValue(), actual));
                }
            }
        }
        assertEquals(0, differing, differing + " streams differ, the first " + first + "; " + summary);
        return summary;
    }

    private static void assertEveryImpairmentHappened(final String summary)
    {
        for (final String kind : new String[]{"lost", "reordered", "duplicated"})
        {
            final Matcher matcher = Pattern.compile(kind + " ([0-9,]+)").matcher(summary);
            assertTrue(matcher.find() && !"0".equals(matcher.group(1)), kind + " missing from " + summary);
        }
        final Matcher overlaps = Pattern.compile("overlaps ([0-9,]+) after ack and ([0-9,]+) held").matcher(summary);
        assertTrue(overlaps.find() && !"0".equals(overlaps.group(1)) && !"0".equals(overlaps.group(2)), summary);
    }

    private static Map<String, byte[]> files(final Path dir) throws IOException
    {
        final Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir))
        {
            for (final Path path : list.toList())
            {
                files.put(path.getFileName().toString(), Files.readAllBytes(path));
            }
        }
        return files;
    }

    private static String[] concat(final String[] first, final String[] second)
    {
        final String[] all = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }
}
