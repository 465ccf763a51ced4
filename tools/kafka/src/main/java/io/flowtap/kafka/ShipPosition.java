package io.flowtap.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How far a broker has acknowledged a journal: for each of the journal's queues, the Chronicle index of the last
 * excerpt acknowledged, so a shipper that starts again goes on after it. A small text file, one queue per line, that a
 * person can read:
 * <pre>
 * # flowtap ship position
 * topic flows
 * sensor edge-1
 * queue source-0 0x4a1b00000417
 * queue source-1 0x4a1b000003ff
 * </pre>
 * A queue that appears later (a worker that had no flow before, a sensor restarted with more workers) has no line
 * until its first excerpt is acknowledged; a shipper starts such a queue at its first excerpt kept.
 * <p>
 * Written only with what was acknowledged, and atomically (a new file, flushed to disk, renamed over the old one), so
 * a shipper killed at any point leaves the last complete position: what it sends again is only what was not yet
 * acknowledged when that position was written.
 */
public final class ShipPosition
{
    private static final String FIRST_LINE = "# flowtap ship position";

    private final String topic;
    private final String sensor;
    private final Map<String, Long> acknowledged;

    /**
     * @param topic        shipped to.
     * @param sensor       shipped as.
     * @param acknowledged last index acknowledged, by queue name.
     */
    public ShipPosition(final String topic, final String sensor, final Map<String, Long> acknowledged)
    {
        this.topic = topic;
        this.sensor = sensor;
        this.acknowledged = new TreeMap<>(acknowledged);
    }

    /**
     * @param journal the journal's directory.
     * @param topic   shipped to.
     * @return where the position of shipping that journal to that topic is kept by default: in the journal's directory.
     */
    public static Path defaultPath(final Path journal, final String topic)
    {
        return journal.resolve("ship-" + topic + ".position");
    }

    /**
     * @param file of a position.
     * @return it, or null when there is no such file.
     * @throws IllegalArgumentException with one line when the file is not a position this code wrote.
     * @throws UncheckedIOException     when it cannot be read.
     */
    public static ShipPosition read(final Path file)
    {
        final List<String> lines;
        try
        {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        }
        catch (final NoSuchFileException ex)
        {
            return null;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(file + ": cannot read the ship position: " + ex.getMessage(), ex);
        }
        if (lines.isEmpty() || !FIRST_LINE.equals(lines.get(0)))
        {
            throw new IllegalArgumentException(file + ": not a flowtap ship position file");
        }
        String topic = null;
        String sensor = null;
        final Map<String, Long> acknowledged = new TreeMap<>();
        for (int i = 1; i < lines.size(); i++)
        {
            final String[] fields = lines.get(i).trim().split(" ");
            try
            {
                if (fields.length == 2 && "topic".equals(fields[0]))
                {
                    topic = fields[1];
                }
                else if (fields.length == 2 && "sensor".equals(fields[0]))
                {
                    sensor = fields[1];
                }
                else if (fields.length == 3 && "queue".equals(fields[0]) && fields[2].startsWith("0x"))
                {
                    acknowledged.put(fields[1], Long.parseUnsignedLong(fields[2].substring(2), 16));
                }
                else if (!fields[0].isEmpty() && !fields[0].startsWith("#"))
                {
                    throw new NumberFormatException();
                }
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": not a ship position: '" +
                    lines.get(i) + "'", ex);
            }
        }
        if (topic == null || sensor == null)
        {
            throw new IllegalArgumentException(file + ": a ship position without its topic and sensor");
        }
        return new ShipPosition(topic, sensor, acknowledged);
    }

    /**
     * Replace the file with this position, atomically and durably.
     *
     * @param file to write.
     * @throws UncheckedIOException when it cannot be written.
     */
    public void write(final Path file)
    {
        final StringBuilder text = new StringBuilder(FIRST_LINE).append('\n')
            .append("topic ").append(topic).append('\n')
            .append("sensor ").append(sensor).append('\n');
        for (final Map.Entry<String, Long> queue : acknowledged.entrySet())
        {
            text.append("queue ").append(queue.getKey()).append(" 0x").append(Long.toHexString(queue.getValue()))
                .append('\n');
        }
        final Path temporary = file.resolveSibling(file.getFileName() + ".new");
        try
        {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING))
            {
                channel.write(StandardCharsets.UTF_8.encode(text.toString()));
                channel.force(true);
            }
            try
            {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            catch (final AtomicMoveNotSupportedException ex)
            {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(file + ": cannot write the ship position: " + ex.getMessage(), ex);
        }
    }

    /**
     * @return the topic shipped to.
     */
    public String topic()
    {
        return topic;
    }

    /**
     * @return the sensor shipped as.
     */
    public String sensor()
    {
        return sensor;
    }

    /**
     * @return the last index acknowledged, by queue name (a copy).
     */
    public Map<String, Long> acknowledged()
    {
        return new TreeMap<>(acknowledged);
    }
}
