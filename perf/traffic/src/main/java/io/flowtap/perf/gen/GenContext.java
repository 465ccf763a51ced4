package io.flowtap.perf.gen;

import java.nio.file.Path;

/**
 * Configuration of a {@link TrafficGenerator} run: fluent setters, then {@link #conclude()} checks the whole and
 * fills in the expected-streams directory.
 * <p>
 * Not thread safe: configure on one thread, then hand it to the generator.
 */
public final class GenContext
{
    /** Packets when none is given. */
    public static final long PACKETS_DEFAULT = 100_000;
    /** Concurrent connections when none is given. */
    public static final int CONNECTIONS_DEFAULT = 100;
    /** Seed when none is given. */
    public static final long SEED_DEFAULT = 1;
    /** Suffix of the expected-streams directory beside the capture when none is given. */
    public static final String EXPECTED_SUFFIX = ".expected";

    private Path out;
    private Path expectedDirectory;
    private long packets = PACKETS_DEFAULT;
    private int connections = CONNECTIONS_DEFAULT;
    private long seed = SEED_DEFAULT;
    private double lossRate;
    private double reorderRate;
    private double duplicateRate;
    private double overlapRate;
    private boolean wrap;
    private int dataFrameLength;
    private boolean writeExpected = true;
    private Encapsulation encapsulation = Encapsulation.NONE;
    private double fragmentRate;
    private double spanDuplicateRate;
    private boolean offloadChecksums;

    /**
     * @param out the pcap file to write.
     * @return this.
     */
    public GenContext out(final Path out)
    {
        this.out = out;
        return this;
    }

    /**
     * @return the pcap file to write.
     */
    public Path out()
    {
        return out;
    }

    /**
     * @param directory for the expected streams, or null for the capture's name plus {@value #EXPECTED_SUFFIX}.
     * @return this.
     */
    public GenContext expectedDirectory(final Path directory)
    {
        this.expectedDirectory = directory;
        return this;
    }

    /**
     * @return the directory for the expected streams; set by {@link #conclude()} when not given.
     */
    public Path expectedDirectory()
    {
        return expectedDirectory;
    }

    /**
     * @param writeExpected false to write the capture only (a load-test input that needs no oracle).
     * @return this.
     */
    public GenContext writeExpected(final boolean writeExpected)
    {
        this.writeExpected = writeExpected;
        return this;
    }

    /**
     * @return whether the expected streams are written.
     */
    public boolean writeExpected()
    {
        return writeExpected;
    }

    /**
     * @param packets at least this many packets are written; the connections in flight are finished.
     * @return this.
     */
    public GenContext packets(final long packets)
    {
        this.packets = packets;
        return this;
    }

    /**
     * @return packets asked for.
     */
    public long packets()
    {
        return packets;
    }

    /**
     * @param connections open at once.
     * @return this.
     */
    public GenContext connections(final int connections)
    {
        this.connections = connections;
        return this;
    }

    /**
     * @return connections open at once.
     */
    public int connections()
    {
        return connections;
    }

    /**
     * @param seed of the random generator: the same seed and options give the same bytes.
     * @return this.
     */
    public GenContext seed(final long seed)
    {
        this.seed = seed;
        return this;
    }

    /**
     * @return the seed.
     */
    public long seed()
    {
        return seed;
    }

    /**
     * @param rate share of data segments that never appear in the capture (0 to 1).
     * @return this.
     */
    public GenContext lossRate(final double rate)
    {
        this.lossRate = rate;
        return this;
    }

    /**
     * @return share of data segments lost.
     */
    public double lossRate()
    {
        return lossRate;
    }

    /**
     * @param rate share of data segments that arrive after the next one of their direction.
     * @return this.
     */
    public GenContext reorderRate(final double rate)
    {
        this.reorderRate = rate;
        return this;
    }

    /**
     * @return share of data segments reordered.
     */
    public double reorderRate()
    {
        return reorderRate;
    }

    /**
     * @param rate share of data segments captured twice.
     * @return this.
     */
    public GenContext duplicateRate(final double rate)
    {
        this.duplicateRate = rate;
        return this;
    }

    /**
     * @return share of data segments duplicated.
     */
    public double duplicateRate()
    {
        return duplicateRate;
    }

    /**
     * @param rate share of data segments followed by a retransmission of the same range with different bytes.
     * @return this.
     */
    public GenContext overlapRate(final double rate)
    {
        this.overlapRate = rate;
        return this;
    }

    /**
     * @return share of data segments with a conflicting overlap.
     */
    public double overlapRate()
    {
        return overlapRate;
    }

    /**
     * @param wrap whether initial sequence numbers sit just below 2^32, so every stream's sequence numbers wrap.
     * @return this.
     */
    public GenContext wrap(final boolean wrap)
    {
        this.wrap = wrap;
        return this;
    }

    /**
     * @return whether sequence numbers wrap.
     */
    public boolean wrap()
    {
        return wrap;
    }

    /**
     * @param length every data segment's frame length (55 to 1514), with no timestamp option, for small-packet load;
     *               0 for the realistic mix (the default).
     * @return this.
     */
    public GenContext dataFrameLength(final int length)
    {
        this.dataFrameLength = length;
        return this;
    }

    /**
     * @return the data frames' fixed length, or 0 for the mix.
     */
    public int dataFrameLength()
    {
        return dataFrameLength;
    }

    /**
     * @param encapsulation the tunnel every frame reaches the sensor in (default none).
     * @return this.
     */
    public GenContext encapsulation(final Encapsulation encapsulation)
    {
        this.encapsulation = encapsulation;
        return this;
    }

    /**
     * @return the tunnel every frame reaches the sensor in.
     */
    public Encapsulation encapsulation()
    {
        return encapsulation;
    }

    /**
     * @param rate share of data packets sent as two or three IP fragments, in order or not (0 to 1).
     * @return this.
     */
    public GenContext fragmentRate(final double rate)
    {
        this.fragmentRate = rate;
        return this;
    }

    /**
     * @return share of data packets fragmented.
     */
    public double fragmentRate()
    {
        return fragmentRate;
    }

    /**
     * @param rate share of frames a SPAN port delivers twice, the copy a hop later (0 to 1).
     * @return this.
     */
    public GenContext spanDuplicateRate(final double rate)
    {
        this.spanDuplicateRate = rate;
        return this;
    }

    /**
     * @return share of frames delivered twice.
     */
    public double spanDuplicateRate()
    {
        return spanDuplicateRate;
    }

    /**
     * @param offload whether the client's segments carry the checksum its stack leaves to the NIC (a capture taken on
     *                the client), not the right one.
     * @return this.
     */
    public GenContext offloadChecksums(final boolean offload)
    {
        this.offloadChecksums = offload;
        return this;
    }

    /**
     * @return whether the client's checksums are left to its NIC.
     */
    public boolean offloadChecksums()
    {
        return offloadChecksums;
    }

    /**
     * Check the configuration as a whole.
     *
     * @return this.
     * @throws IllegalArgumentException naming what is wrong.
     */
    public GenContext conclude()
    {
        if (out == null)
        {
            throw new IllegalArgumentException("an output file is required");
        }
        if (packets < 1)
        {
            throw new IllegalArgumentException("packets must be at least 1, not " + packets);
        }
        if (connections < 1 || connections > TrafficGenerator.MAX_CONNECTIONS)
        {
            throw new IllegalArgumentException(
                "connections must be 1 to " + TrafficGenerator.MAX_CONNECTIONS + ", not " + connections);
        }
        if (dataFrameLength != 0 && (dataFrameLength < FrameEncoder.HEADERS_LENGTH + 1 ||
            dataFrameLength > FrameEncoder.MAX_FRAME_LENGTH))
        {
            throw new IllegalArgumentException("data frame length must be " + (FrameEncoder.HEADERS_LENGTH + 1) +
                " to " + FrameEncoder.MAX_FRAME_LENGTH + ", not " + dataFrameLength);
        }
        checkRate("loss", lossRate);
        checkRate("reorder", reorderRate);
        checkRate("duplicate", duplicateRate);
        checkRate("overlap", overlapRate);
        checkRate("fragment", fragmentRate);
        checkRate("SPAN duplicate", spanDuplicateRate);
        if (encapsulation == null)
        {
            throw new IllegalArgumentException("an encapsulation is required (none for frames as sent)");
        }
        if (lossRate + reorderRate + duplicateRate + overlapRate > 1)
        {
            throw new IllegalArgumentException("loss, reorder, duplicate and overlap rates add up to more than 1: " +
                "each data segment gets at most one of them");
        }
        if (expectedDirectory == null)
        {
            final String name = out.getFileName().toString();
            final int dot = name.lastIndexOf('.');
            expectedDirectory = out.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + EXPECTED_SUFFIX);
        }
        return this;
    }

    private static void checkRate(final String name, final double rate)
    {
        if (!(rate >= 0 && rate <= 1))
        {
            throw new IllegalArgumentException(name + " rate must be between 0 and 1, not " + rate);
        }
    }
}
