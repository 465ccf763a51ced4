package io.flowtap.pipeline.stats;

import io.flowtap.capture.counter.CounterDescriptor;
import org.agrona.concurrent.status.CountersReader;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The counters of a counters file as readers show them: each poller and worker writes its own copy of its stage's
 * counters, and the {@link CounterTable} says which a reader sees added up over every copy (the sensor's
 * {@code "decode: frames"}), which per copy ({@code "worker 0: gap bytes"}); derived counters are the sums of their
 * parts, as their holders compute them. Counters the table does not list (journal bytes, latency buckets ...) are
 * shown as they are. Totals come where their first copy was allocated.
 * <p>
 * Cold path: a reader's, every second or so; allocates.
 */
final class CountersView
{
    private CountersView()
    {
    }

    /**
     * @param counters of a file (this process's own, or another's).
     * @param consumer given every counter a reader shows, in allocation order, with its type and key.
     */
    static void forEach(final CountersReader counters, final CountersFileReader.CounterConsumer consumer)
    {
        final List<Row> rows = new ArrayList<>();
        counters.forEach((counterId, typeId, keyBuffer, label) ->
        {
            final CounterTable list = CounterTable.listOf(typeId, keyBuffer);
            rows.add(new Row(list, list == null ? null : list.descriptorOf(keyBuffer),
                list == null ? 0 : CounterTable.scopeIndexOf(keyBuffer), typeId, keyBuffer.getLong(0), label,
                counters.getCounterValue(counterId)));
        });

        final Map<String, Long> parts = new HashMap<>();
        for (final Row row : rows)
        {
            if (row.descriptor != null && row.descriptor.isPart())
            {
                parts.merge(row.copy(), row.value, Long::sum);
            }
        }
        final Map<String, Long> totals = new HashMap<>();
        for (final Row row : rows)
        {
            if (row.descriptor != null)
            {
                if (row.descriptor.isDerived())
                {
                    row.value = parts.getOrDefault(row.copy(), 0L);
                }
                final String total = row.list.totalLabel(row.descriptor);
                if (total != null)
                {
                    totals.merge(total, row.value, Long::sum);
                }
            }
        }

        final Set<String> shown = new HashSet<>();
        for (final Row row : rows)
        {
            if (row.descriptor == null)
            {
                consumer.accept(row.label, row.typeId, row.key, row.value);
                continue;
            }
            final String total = row.list.totalLabel(row.descriptor);
            if (total != null && shown.add(total))
            {
                consumer.accept(total, row.typeId, 0, totals.get(total));
            }
            final String own = row.list.ownLabel(row.descriptor, row.index);
            if (own != null)
            {
                consumer.accept(own, row.typeId, 0, row.value);
            }
        }
    }

    /** One counter as read. */
    private static final class Row
    {
        final CounterTable list;
        final CounterDescriptor descriptor;
        final int index;
        final int typeId;
        final long key;
        final String label;
        long value;

        Row(
            final CounterTable list,
            final CounterDescriptor descriptor,
            final int index,
            final int typeId,
            final long key,
            final String label,
            final long value)
        {
            this.list = list;
            this.descriptor = descriptor;
            this.index = index;
            this.typeId = typeId;
            this.key = key;
            this.label = label;
            this.value = value;
        }

        /** Which copy of which list: a derived counter adds up its own copy's parts. */
        String copy()
        {
            return list.name() + ' ' + index;
        }
    }
}
