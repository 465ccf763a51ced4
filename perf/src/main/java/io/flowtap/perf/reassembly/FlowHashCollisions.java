package io.flowtap.perf.reassembly;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.Frame;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.reassembly.flow.FlowKey;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

/**
 * How well the flow hash spreads real flows: every distinct flow key in the capture files under the given paths
 * (the corpus, a generated capture), plus 100,000 clients of one server counting up (the worst case for a weak hash),
 * hashed by {@link FlowKey#hash()} and by the five chained SplitMix rounds it replaced. For each: 32-bit table-hash
 * collisions against what a random function gives, the mean and longest probe of a linear-probing table at the flow
 * table's load (one half), and the spread over 2, 4 and 8 workers.
 * <pre>
 *   java -cp perf/target/benchmarks.jar io.flowtap.perf.reassembly.FlowHashCollisions ../shared/corpus FILE.pcap
 * </pre>
 */
public final class FlowHashCollisions
{
    private FlowHashCollisions()
    {
    }

    /**
     * @param args directories or capture files.
     * @throws IOException walking the directories.
     */
    public static void main(final String[] args) throws IOException
    {
        final Set<Key> corpus = new HashSet<>();
        for (final String arg : args)
        {
            try (Stream<Path> paths = Files.walk(Paths.get(arg)))
            {
                for (final Path path : (Iterable<Path>)paths.filter(Files::isRegularFile)::iterator)
                {
                    final String name = path.getFileName().toString();
                    if (name.endsWith(".pcap") || name.endsWith(".pcapng") || name.endsWith(".cap"))
                    {
                        collect(path, corpus);
                    }
                }
            }
        }
        final Set<Key> sequential = new HashSet<>();
        final FlowKey key = new FlowKey();
        for (int i = 0; i < 100_000; i++)
        {
            key.set(4, 0, 0x0A00_0000L + (i >>> 8), 32768 + (i & 0xFF), 0, 0x0A01_0001L, 443, FlowKey.NO_VLAN);
            sequential.add(Key.of(key));
        }
        report("captures", new ArrayList<>(corpus));
        report("sequential clients", new ArrayList<>(sequential));
    }

    private static void collect(final Path path, final Set<Key> keys)
    {
        final PacketDecoder decoder = new PacketDecoder(ChecksumMode.OFF);
        final FlowKey key = new FlowKey();
        try (CaptureFileSource source = CaptureFiles.open(path))
        {
            while (!source.isEndOfStream())
            {
                final int frames = source.poll((final Frame frame) ->
                {
                    if (decoder.decode(frame))
                    {
                        keys.add(Key.of(key.wrap(decoder, false)));
                    }
                }, 4096);
                if (frames == 0)
                {
                    break;
                }
            }
        }
        catch (final CaptureFileException ex)
        {
            // A damaged capture gives the keys before the damage.
        }
    }

    private static void report(final String what, final List<Key> keys)
    {
        System.out.printf(Locale.ROOT, "%s: %,d distinct flows%n", what, keys.size());
        line("FlowKey.hash (5 products, 1 finaliser)", keys, Key::hash);
        line("5 chained SplitMix rounds (before)", keys, Key::chainedHash);
    }

    private static void line(final String name, final List<Key> keys, final ToLongFunction<Key> hash)
    {
        final int n = keys.size();
        final Set<Integer> low = new HashSet<>();
        for (final Key key : keys)
        {
            low.add((int)hash.applyAsLong(key));
        }
        final long collisions = n - low.size();
        final double expected = (double)n * (n - 1) / 2 / Math.pow(2, 32);
        int slots = Integer.highestOneBit(Math.max(1, n * 2 - 1)) << 1;
        final int mask = slots - 1;
        final boolean[] used = new boolean[slots];
        long probes = 0;
        int longest = 0;
        for (final Key key : keys)
        {
            int slot = (int)hash.applyAsLong(key) & mask;
            int length = 1;
            while (used[slot])
            {
                slot = (slot + 1) & mask;
                length++;
            }
            used[slot] = true;
            probes += length;
            longest = Math.max(longest, length);
        }
        final StringBuilder workers = new StringBuilder();
        for (final int w : new int[] {2, 4, 8})
        {
            final int[] per = new int[w];
            for (final Key key : keys)
            {
                per[(int)(((hash.applyAsLong(key) >>> 32) * w) >>> 32)]++;
            }
            int max = 0;
            for (final int count : per)
            {
                max = Math.max(max, count);
            }
            workers.append(String.format(Locale.ROOT, " %d workers: busiest %.3f of even;", w, max * (double)w / n));
        }
        System.out.printf(Locale.ROOT,
            "  %-40s 32-bit collisions %d (random: %.1f); probe mean %.3f, longest %d;%s%n",
            name, collisions, expected, probes / (double)n, longest, workers);
    }

    private record Key(long w0, long w1, long w2, long w3, long w4)
    {
        static Key of(final FlowKey key)
        {
            return new Key(key.word(0), key.word(1), key.word(2), key.word(3), key.word(4));
        }

        long hash()
        {
            final FlowKey key = new FlowKey();
            final int version = (int)(w4 & 0xFF);
            final int vlan = (int)(w4 >>> 8) & 0x1FFF;
            return key.set(version, w0, w1, (int)(w4 >>> 48), w2, w3, (int)(w4 >>> 32) & 0xFFFF, vlan).hash();
        }

        long chainedHash()
        {
            long h = 0x9E37_79B9_7F4A_7C15L;
            for (final long word : new long[] {w0, w1, w2, w3, w4})
            {
                h = splitMix(h ^ word);
            }
            return h;
        }

        private static long splitMix(final long value)
        {
            long z = value;
            z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
            return z ^ (z >>> 31);
        }
    }
}
