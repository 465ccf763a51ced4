package io.flowtap.tools;

import io.flowtap.capture.codec.DecoderContext;
import io.flowtap.capture.codec.IpDefragmenter;
import io.flowtap.linux.Posix;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.flow.FlowKey;
import picocli.CommandLine;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * What a run's options imply in memory, added up before anything is allocated and checked against what this JVM and
 * the machine have: {@code --queue-capacity 100000000 --workers 4} is then one line naming the options and the
 * amounts (exit code 2), not 9 GB of resident memory and an {@link OutOfMemoryError} later.
 * <p>
 * The figures are what the structures allocate up front (flow tables, page slabs, hand-off pools, rings), plus the
 * flow objects an engine makes as flows arrive, up to its maximum; object sizes are estimates, rounded up.
 */
public final class MemoryBudget
{
    /** Flow table per flow: two slots (an int and a long each), the key, its slot, a free id and a reference. */
    static final long FLOW_TABLE_BYTES_PER_FLOW = 2 * (Integer.BYTES + Long.BYTES) + FlowKey.WORDS * Long.BYTES +
        3L * Integer.BYTES;
    /** A flow object with its two streams and its record, made the first time its slot is used (an estimate). */
    static final long FLOW_OBJECT_BYTES = 1024;
    /** A segment record of the out-of-order store: three longs and a link. */
    static final long SEGMENT_BYTES = 3L * Long.BYTES + Integer.BYTES;
    /** A page's bookkeeping beside the slab: its number and a link. */
    static final long PAGE_BOOKKEEPING_BYTES = Long.BYTES + Integer.BYTES;
    /** A record of a poller-to-worker ring: its off-heap segment descriptor. */
    static final long RING_RECORD_BYTES = 64;
    /** A record's slot in the ring's array of grown copy buffers (a reference). */
    static final long RING_SLOT_HEAP_BYTES = Long.BYTES;
    /** What this JVM and the machine must keep beyond what the options ask for. */
    static final double HEADROOM = 0.9;

    private long heapBytes;
    private long directBytes;
    private long mappedBytes;
    private final StringBuilder parts = new StringBuilder();

    /**
     * @param engines how many reassembly engines (one per worker).
     * @param context their settings, concluded.
     * @return this.
     */
    public MemoryBudget engines(final int engines, final EngineContext context)
    {
        final long perEngineHeap = context.maxFlows() * (FLOW_TABLE_BYTES_PER_FLOW + FLOW_OBJECT_BYTES) +
            context.maxSegments() * SEGMENT_BYTES +
            context.engineMemcapBytes() / context.pageSize() * PAGE_BOOKKEEPING_BYTES;
        heapBytes += engines * perEngineHeap;
        directBytes += engines * context.engineMemcapBytes();
        part(engines + " engine" + (engines == 1 ? "" : "s") + " of --max-flows " + context.maxFlows() +
            " and --engine-memcap " + context.engineMemcapBytes(), engines * (perEngineHeap +
            context.engineMemcapBytes()));
        return this;
    }

    /**
     * @param decoders how many packet decoders (one per poller).
     * @param context  their settings, concluded: the fragment reassembler's tables and pool, allocated at the first
     *                 fragment, and the duplicate filter's.
     * @return this.
     */
    public MemoryBudget decoders(final int decoders, final DecoderContext context)
    {
        long heap = 0;
        long direct = 0;
        if (context.defragment())
        {
            heap += IpDefragmenter.heapBytes(context.defragMaxDatagrams(), context.defragMaxFragments());
            direct += IpDefragmenter.directBytes(context.defragMaxDatagrams(), context.defragMemcapBytes());
        }
        if (context.dedupWindowNs() > 0)
        {
            heap += Long.highestOneBit(Math.max(1, (long)context.dedupSlots() * 2 - 1)) *
                (3L * Long.BYTES + Integer.BYTES);
        }
        if (heap + direct > 0)
        {
            heapBytes += decoders * heap;
            directBytes += decoders * direct;
            part(decoders + " decoder" + (decoders == 1 ? "" : "s") + " of --defrag-datagrams " +
                context.defragMaxDatagrams() + ", --defrag-fragments " + context.defragMaxFragments() +
                " and --defrag-memcap " + context.defragMemcapBytes(), decoders * (heap + direct));
        }
        return this;
    }

    /**
     * The rings between pollers and workers: one per pair, each with a 64-byte descriptor and a copy buffer per
     * record, off-heap ({@code SegmentRing}).
     *
     * @param pollers          how many.
     * @param workers          how many.
     * @param capacity         records per ring, before rounding up to a power of two.
     * @param copyBufferLength bytes of each record's copy buffer, before aligning to 64.
     * @return this.
     */
    public MemoryBudget queues(final int pollers, final int workers, final int capacity, final int copyBufferLength)
    {
        final long slots = Long.highestOneBit(Math.max(1, (long)capacity * 2 - 1));
        final long records = (long)pollers * workers * slots;
        final long copy = (Math.max(copyBufferLength, 64) + 63L) & ~63L;
        heapBytes += records * RING_SLOT_HEAP_BYTES;
        directBytes += records * (RING_RECORD_BYTES + copy);
        part(pollers * workers + " queue" + (pollers * workers == 1 ? "" : "s") + " of --queue-capacity " + capacity,
            records * (RING_SLOT_HEAP_BYTES + RING_RECORD_BYTES + copy));
        return this;
    }

    /**
     * @param rings how many (one per poller).
     * @param bytes of each ring.
     * @return this.
     */
    public MemoryBudget rings(final int rings, final long bytes)
    {
        mappedBytes += rings * bytes;
        part(rings + " ring" + (rings == 1 ? "" : "s") + " of " + bytes + " bytes", rings * bytes);
        return this;
    }

    /**
     * @return Java heap the options need, about.
     */
    public long heapBytes()
    {
        return heapBytes;
    }

    /**
     * @return native memory the options need (direct buffers and rings), about.
     */
    public long nativeBytes()
    {
        return directBytes + mappedBytes;
    }

    /**
     * Check the sums against the JVM's heap and direct-memory limits and the memory the machine has available.
     *
     * @param commandLine for the usage error.
     * @throws CommandLine.ParameterException naming the options and the amounts, when they do not fit.
     */
    public void check(final CommandLine commandLine)
    {
        final Runtime runtime = Runtime.getRuntime();
        final long maxHeap = runtime.maxMemory();
        if (heapBytes > maxHeap * HEADROOM)
        {
            throw new CommandLine.ParameterException(commandLine, "these options need about " + size(heapBytes) +
                " of Java heap (" + parts + "), more than the " + size(maxHeap) + " this JVM may use: lower them, " +
                "or raise -Xmx through JAVA_OPTS");
        }
        final long maxDirect = maxDirectMemory(maxHeap);
        if (directBytes > maxDirect * HEADROOM)
        {
            throw new CommandLine.ParameterException(commandLine, "these options need about " + size(directBytes) +
                " of direct memory (" + parts + "), more than the " + size(maxDirect) + " this JVM may use: lower " +
                "them, or raise -XX:MaxDirectMemorySize through JAVA_OPTS");
        }
        final long available = Posix.availableMemoryBytes();
        final long needed = nativeBytes() + Math.max(0, heapBytes - runtime.totalMemory());
        if (available > 0 && needed > available * HEADROOM)
        {
            throw new CommandLine.ParameterException(commandLine, "these options need about " + size(needed) +
                " of memory (" + parts + "), more than the " + size(available) + " this machine has available");
        }
    }

    private void part(final String what, final long bytes)
    {
        parts.append(parts.length() == 0 ? "" : ", ").append(what).append(": ").append(size(bytes));
    }

    private static long maxDirectMemory(final long maxHeap)
    {
        for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (argument.startsWith("-XX:MaxDirectMemorySize="))
            {
                final String value = argument.substring("-XX:MaxDirectMemorySize=".length()).toLowerCase(Locale.ROOT);
                final char unit = value.charAt(value.length() - 1);
                final int shift = unit == 'k' ? 10 : unit == 'm' ? 20 : unit == 'g' ? 30 : unit == 't' ? 40 : 0;
                try
                {
                    return Long.parseLong(shift == 0 ? value : value.substring(0, value.length() - 1)) << shift;
                }
                catch (final NumberFormatException ex)
                {
                    return maxHeap;
                }
            }
        }
        // The JVM's default: as much as the heap may grow to.
        return maxHeap;
    }

    /**
     * @param bytes a size.
     * @return it in the largest binary unit that keeps a digit before the point: {@code 1.5 GiB}.
     */
    static String size(final long bytes)
    {
        final String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " bytes" : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
