package io.flowtap.pipeline.stats;

import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.counter.CounterAllocator;
import io.flowtap.capture.counter.CounterDescriptor;
import io.flowtap.capture.counter.CounterValues;
import io.flowtap.capture.ring.RingCounter;
import io.flowtap.pipeline.shard.DispatchCounter;
import io.flowtap.pipeline.worker.WorkerCounter;
import io.flowtap.pipeline.worker.WorkerGauge;
import io.flowtap.reassembly.EngineCounter;
import io.flowtap.reassembly.attribute.HttpCounter;
import io.flowtap.reassembly.attribute.TlsCounter;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.function.Consumer;

/**
 * The sensor's counters, every one of them: each stage's list of {@link CounterDescriptor}s (label, type, unit) with
 * the scope it is kept in (one copy per poller, or per worker) and how a reader shows it, as the sensor's total over
 * every copy ({@code "decode: frames"}), as each copy's own ({@code "worker 0: gap bytes"}), or both.
 * <p>
 * {@link #allocator} places a list's counters in a {@link CountersFile}, each with a key that names its list, its
 * ordinal and its scope's index, so that {@link CountersView} can add the copies up and show them as this table says.
 * The order of the constants is the order readers show the totals in.
 */
public enum CounterTable
{
    /** Every frame a poller read, by outcome. */
    POLLER_DECODE(CounterScope.POLLER, "decode: ", DecodeCounter.values(), true, false),
    /** A poller's hand-offs to the workers. */
    POLLER_DISPATCH(CounterScope.POLLER, "hand-off: ", DispatchCounter.values(), true, false),
    /** A poller's live ring (0 for a file). */
    POLLER_RING(CounterScope.POLLER, "ring: ", RingCounter.values(), true, false),
    /** A worker's own counters. */
    WORKER(CounterScope.WORKER, "worker: ", WorkerCounter.values(), true, false),
    /** A worker's queue depth, and the sensor's over every worker. */
    WORKER_QUEUE_DEPTH(CounterScope.WORKER, "", new CounterDescriptor[] {WorkerGauge.QUEUE_DEPTH}, true, true),
    /** The flows a worker's engine tracks. */
    WORKER_FLOWS_ACTIVE(CounterScope.WORKER, "", new CounterDescriptor[] {WorkerGauge.FLOWS_ACTIVE}, false, true),
    /** The checksum verdicts pollers left to a worker: added to the pollers' decode totals. */
    WORKER_DECODE(CounterScope.WORKER, "decode: ", DecodeCounter.values(), true, false),
    /** A worker's engine. */
    WORKER_ENGINE(CounterScope.WORKER, "", EngineCounter.values(), false, true),
    /** A worker's HTTP extractor, when attributes are extracted: shown added up over the workers. */
    WORKER_HTTP(CounterScope.WORKER, "http: ", HttpCounter.values(), true, false),
    /** A worker's TLS extractor, when attributes are extracted: shown added up over the workers. */
    WORKER_TLS(CounterScope.WORKER, "tls: ", TlsCounter.values(), true, false);

    private static final CounterTable[] VALUES = values();
    private static final int LIST_ID_OFFSET = 0;
    private static final int ORDINAL_OFFSET = 4;
    private static final int SCOPE_INDEX_OFFSET = 8;
    /** Key of a counter not in this table: list id 0. */
    private static final int NOT_IN_TABLE = 0;

    private final CounterScope scope;
    private final String prefix;
    private final CounterDescriptor[] descriptors;
    private final boolean total;
    private final boolean own;

    CounterTable(
        final CounterScope scope,
        final String prefix,
        final CounterDescriptor[] descriptors,
        final boolean total,
        final boolean own)
    {
        this.scope = scope;
        this.prefix = prefix;
        this.descriptors = descriptors;
        this.total = total;
        this.own = own;
    }

    /**
     * @return whose counters these are.
     */
    public CounterScope scope()
    {
        return scope;
    }

    /**
     * @return the list's counters, in the order they are allocated.
     */
    public CounterDescriptor[] descriptors()
    {
        return descriptors.clone();
    }

    /**
     * @return how many counters the list has.
     */
    public int size()
    {
        return descriptors.length;
    }

    /**
     * @param pollers of the sensor.
     * @param workers of the sensor.
     * @return how many counters the table allocates for them.
     */
    public static int countersFor(final int pollers, final int workers)
    {
        int count = 0;
        for (final CounterTable list : VALUES)
        {
            count += list.size() * (list.scope == CounterScope.POLLER ? pollers : workers);
        }
        return count;
    }

    /**
     * @param file  to allocate in.
     * @param index of the poller or worker whose copy this is.
     * @return an allocator of this list's counters in the file, labelled and keyed with their scope (cold path).
     */
    public CounterAllocator allocator(final CountersFile file, final int index)
    {
        // Cold path, but on the clock of every run: the label is built and the key written without string
        // concatenation or a lambda, whose call sites would each be linked (bootstrapped) at the run's start.
        final String listPrefix = new StringBuilder(scope.labelPrefix(index)).append(prefix).toString();
        return new CounterAllocator()
        {
            @Override
            public AtomicCounter allocate(final CounterDescriptor descriptor)
            {
                return file.counter(
                    new StringBuilder(listPrefix).append(descriptor.label()).toString(),
                    descriptor.type().typeId(),
                    new ListKey(CounterTable.this.ordinal() + 1, indexOf(descriptor), index));
            }

            @Override
            public CounterValues allocate(final CounterDescriptor[] descriptors)
            {
                // A worker's handlers allocate on its thread, beside other workers: the list stays consecutive.
                synchronized (file)
                {
                    return CounterAllocator.super.allocate(descriptors);
                }
            }

            @Override
            public AtomicBuffer valuesBuffer()
            {
                return file.reader().valuesBuffer();
            }
        };
    }

    /**
     * @param typeId of a counter in a counters file.
     * @param key    of the counter.
     * @return the list it belongs to, or null for a counter not in the table (journal bytes, latency ...).
     */
    static CounterTable listOf(final int typeId, final DirectBuffer key)
    {
        // A latency bucket's key holds its bound instead: only counts and levels can be the table's.
        if (typeId != CountersFile.TYPE_COUNTER && typeId != CountersFile.TYPE_GAUGE)
        {
            return null;
        }
        final int id = key.getInt(LIST_ID_OFFSET);
        return id <= NOT_IN_TABLE || id > VALUES.length ? null : VALUES[id - 1];
    }

    /**
     * @param key of a counter of this list.
     * @return its descriptor.
     */
    CounterDescriptor descriptorOf(final DirectBuffer key)
    {
        return descriptors[key.getInt(ORDINAL_OFFSET)];
    }

    /**
     * @param key of a counter of this list.
     * @return the index of the poller or worker it belongs to.
     */
    static int scopeIndexOf(final DirectBuffer key)
    {
        return key.getInt(SCOPE_INDEX_OFFSET);
    }

    /**
     * @param descriptor of this list.
     * @return the label readers show the sensor's total under, or null when they show no total.
     */
    String totalLabel(final CounterDescriptor descriptor)
    {
        return total ? prefix + descriptor.label() : null;
    }

    /**
     * @param descriptor of this list.
     * @param index      of the poller or worker.
     * @return the label readers show this copy under, or null when they show only the total.
     */
    String ownLabel(final CounterDescriptor descriptor, final int index)
    {
        return own ? scope.labelPrefix(index) + prefix + descriptor.label() : null;
    }

    private int indexOf(final CounterDescriptor descriptor)
    {
        for (int i = 0; i < descriptors.length; i++)
        {
            if (descriptors[i] == descriptor)
            {
                return i;
            }
        }
        throw new IllegalArgumentException(descriptor + " is not in the counter list " + this);
    }

    /**
     * A table counter's key: which list, which counter of it, and whose copy.
     */
    private static final class ListKey implements Consumer<MutableDirectBuffer>
    {
        private final int listId;
        private final int ordinal;
        private final int scopeIndex;

        ListKey(final int listId, final int ordinal, final int scopeIndex)
        {
            this.listId = listId;
            this.ordinal = ordinal;
            this.scopeIndex = scopeIndex;
        }

        @Override
        public void accept(final MutableDirectBuffer key)
        {
            key.putInt(LIST_ID_OFFSET, listId);
            key.putInt(ORDINAL_OFFSET, ordinal);
            key.putInt(SCOPE_INDEX_OFFSET, scopeIndex);
        }
    }
}
