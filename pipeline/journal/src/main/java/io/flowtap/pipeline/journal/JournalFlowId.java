package io.flowtap.pipeline.journal;

/**
 * Which flow an event belongs to, across a whole journal, or across a fleet's journals: the engine numbers flows from
 * 1 per writer (a worker) and per run (each time the journal is opened for writing), so a flow id alone, or a source
 * and a flow id, can name several connections; and each sensor of a fleet has runs and sources of its own. Written
 * {@code RUN/SOURCE/ID} for a journal read on its own, as {@code flowtap journal cat} shows it and {@code --flow}
 * takes it, and {@code SENSOR/RUN/SOURCE/ID} for a flow of a named sensor (read from a Kafka topic).
 *
 * @param sensor the sensor whose journal holds the flow, or the empty string for a journal read on its own.
 * @param run    the writer's run, 0 for a journal written before runs were numbered.
 * @param source the writer.
 * @param flowId the flow's id within the run and source (a frame number for a raw frame).
 */
public record JournalFlowId(String sensor, int run, int source, long flowId)
{
    /**
     * A flow of a journal read on its own.
     *
     * @param run    the writer's run.
     * @param source the writer.
     * @param flowId the flow's id within the run and source.
     */
    public JournalFlowId(final int run, final int source, final long flowId)
    {
        this("", run, source, flowId);
    }

    /**
     * @param event of the flow, from a journal read on its own.
     * @return its flow's id.
     */
    public static JournalFlowId of(final JournalEvent event)
    {
        return new JournalFlowId("", event.run(), event.source(), event.flowId());
    }

    /**
     * @param sensor whose journal the event came from, or the empty string.
     * @param event  of the flow.
     * @return its flow's id.
     */
    public static JournalFlowId of(final String sensor, final JournalEvent event)
    {
        return new JournalFlowId(sensor, event.run(), event.source(), event.flowId());
    }

    @Override
    public String toString()
    {
        return (sensor.isEmpty() ? "" : sensor + "/") + run + "/" + source + "/" + flowId;
    }
}
