/**
 * Reading a journal's queues, internal to the journal, in three jobs: the queue tailer positions and walks one
 * Chronicle queue (from its first cycle kept, or after an excerpt's index; across roll cycles; following a queue still
 * written), the schema's {@link io.flowtap.pipeline.journal.ExcerptDecoder} checks and delivers each excerpt's
 * events, and the damage scanner reads on where Chronicle cannot, reporting each range it skipped.
 * {@link io.flowtap.pipeline.journal.read.QueueReader} reads one queue's events with the three;
 * {@link io.flowtap.pipeline.journal.read.QueueFollower} hands a shipper the excerpts whole. The public front,
 * {@link io.flowtap.pipeline.journal.JournalReader}, merges the queues by time.
 */
package io.flowtap.pipeline.journal.read;
