package io.flowtap.pipeline.journal;

/**
 * Which flow an event belongs to, across a whole journal: the engine numbers flows from 1 per writer (a worker) and
 * per run (each time the journal is opened for writing), so a flow id alone, or a source and a flow id, can name
 * several connections. Written {@code RUN/SOURCE/ID}, as {@code flowtap journal cat} shows it and {@code --flow}
 * takes it.
 *
 * @param run    the writer's run, 0 for a journal written before runs were numbered.
 * @param source the writer.
 * @param flowId the flow's id within the run and source (a frame number for a raw frame).
 */
public record JournalFlowId(int run, int source, long flowId)
{
    /**
     * @param event of the flow.
     * @return its flow's id.
     */
    public static JournalFlowId of(final JournalEvent event)
    {
        return new JournalFlowId(event.run(), event.source(), event.flowId());
    }

    @Override
    public String toString()
    {
        return run + "/" + source + "/" + flowId;
    }
}
