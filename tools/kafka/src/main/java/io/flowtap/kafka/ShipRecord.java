package io.flowtap.kafka;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * How a journal excerpt travels as a Kafka record. The value is the excerpt's bytes exactly as the journal holds them
 * (one or more events in the schema of {@code pipeline/JOURNAL.md}), so a consumer decodes it with the file readers'
 * code. The key is {@code SENSOR/QUEUE} ({@code edge-1/source-0}): every excerpt of one writer's queue goes to one
 * partition, in the queue's order, and since a flow's events are all in its worker's queue, so do every flow's. The
 * headers, all UTF-8 text so that any Kafka tool shows them:
 * <table>
 *   <caption>headers</caption>
 *   <tr><td>{@value #SENSOR}</td><td>the sensor's name</td></tr>
 *   <tr><td>{@value #QUEUE}</td><td>the writer's queue in the journal: {@code source-N}, {@code frames-N}</td></tr>
 *   <tr><td>{@value #INDEX}</td><td>the excerpt's Chronicle index in that queue, decimal</td></tr>
 *   <tr><td>{@value #RUN}</td><td>the excerpt's run number, decimal</td></tr>
 *   <tr><td>{@value #SOURCE}</td><td>the excerpt's source (writer) number, decimal</td></tr>
 *   <tr><td>{@value #SCHEMA}</td><td>the journal schema version of the excerpt, decimal</td></tr>
 * </table>
 * Shipping is at least once: a record the broker stored but whose acknowledgement was lost is sent again after a
 * restart. (sensor, queue, index) names an excerpt uniquely and a queue's records are in one partition in order, so a
 * consumer recognises a repeat as an index no higher than the last it took from that sensor's queue.
 */
public final class ShipRecord
{
    /** Header: the sensor's name. */
    public static final String SENSOR = "flowtap.sensor";
    /** Header: the queue's name. */
    public static final String QUEUE = "flowtap.queue";
    /** Header: the excerpt's Chronicle index in its queue. */
    public static final String INDEX = "flowtap.index";
    /** Header: the excerpt's run. */
    public static final String RUN = "flowtap.run";
    /** Header: the excerpt's source. */
    public static final String SOURCE = "flowtap.source";
    /** Header: the excerpt's schema version. */
    public static final String SCHEMA = "flowtap.schema";

    /** What a sensor may be named: it is part of keys, file names and JSON, unescaped. */
    public static final Pattern SENSOR_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private ShipRecord()
    {
    }

    /**
     * @param name a sensor's name.
     * @return what is wrong with it, or null.
     */
    public static String sensorNameProblem(final String name)
    {
        return SENSOR_NAME.matcher(name).matches() ? null : "a sensor name is 1 to 64 letters, digits, '.', '_' or " +
            "'-', starting with a letter or digit, not '" + name + "'";
    }

    /**
     * @param sensor the sensor's name.
     * @param queue  the queue's name.
     * @return the record key of every excerpt of that queue.
     */
    public static byte[] key(final String sensor, final String queue)
    {
        return (sensor + "/" + queue).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param headers of a record.
     * @param name    of one.
     * @return its last value as text, or null when absent.
     */
    public static String text(final Headers headers, final String name)
    {
        final Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /**
     * @param value a number as text.
     * @return it as bytes.
     */
    public static byte[] text(final long value)
    {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }
}
