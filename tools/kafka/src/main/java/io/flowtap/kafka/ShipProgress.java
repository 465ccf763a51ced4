package io.flowtap.kafka;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How far the broker has acknowledged each queue, as the shipper keeps it in its {@link ShipPosition} file: read once
 * at the start (it must be the position of this topic and sensor), and written again only when acknowledgements moved
 * an index since the last write. A queue without a line (new since) is shipped from its first excerpt kept.
 * <p>
 * Not thread safe: the shipper's thread only; it reads each queue's acknowledged index, which the producer's thread
 * moves, through its volatile.
 */
final class ShipProgress
{
    private final String topic;
    private final String sensor;
    private final Path file;
    private final Map<String, Long> acknowledged;

    /**
     * @param context concluded.
     * @throws IllegalArgumentException when the position file is not one, or belongs to another topic or sensor.
     */
    ShipProgress(final ShipContext context)
    {
        this.topic = context.topic();
        this.sensor = context.sensor();
        this.file = context.positionFile();
        final ShipPosition saved = ShipPosition.read(file);
        if (saved != null && (!saved.topic().equals(topic) || !saved.sensor().equals(sensor)))
        {
            throw new IllegalArgumentException(file + " holds the position of topic " + saved.topic() + " as sensor " +
                saved.sensor() + ", not of topic " + topic + " as " + sensor + ": give each its own --position");
        }
        this.acknowledged = saved == null ? new LinkedHashMap<>() : saved.acknowledged();
    }

    /**
     * @param queue a queue's name.
     * @return the index of its last excerpt acknowledged in an earlier run, or null.
     */
    Long saved(final String queue)
    {
        return acknowledged.get(queue);
    }

    /**
     * Write the position file when any queue's acknowledged index moved since the last write.
     *
     * @param queues shipped.
     * @return whether it was written.
     */
    boolean write(final List<ShippedQueue> queues)
    {
        boolean changed = false;
        for (final ShippedQueue queue : queues)
        {
            final long acked = queue.acked;
            if (acked != ShippedQueue.NONE && acked != queue.written)
            {
                acknowledged.put(queue.name, acked);
                queue.written = acked;
                changed = true;
            }
        }
        if (changed)
        {
            new ShipPosition(topic, sensor, acknowledged).write(file);
        }
        return changed;
    }
}
