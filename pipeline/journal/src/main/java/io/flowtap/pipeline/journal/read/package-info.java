/**
 * Reading a journal's queues, internal to the journal: {@link io.flowtap.pipeline.journal.read.QueueTailer} positions
 * and walks one Chronicle queue (from its first cycle kept, or after an excerpt's index; across roll cycles; following
 * a queue still written), {@link io.flowtap.pipeline.journal.read.QueueReader} reads one queue's events through it and
 * the schema's {@link io.flowtap.pipeline.journal.ExcerptDecoder}, and the damage scanner reads on where Chronicle
 * cannot, reporting each range it skipped; {@link io.flowtap.pipeline.journal.read.QueueFollower} hands a shipper the
 * excerpts whole. {@link io.flowtap.pipeline.journal.JournalReader}, the public front, merges the queues by time.
 */
package io.flowtap.pipeline.journal.read;
