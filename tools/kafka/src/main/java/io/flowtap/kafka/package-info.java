/**
 * A fleet's journals in Kafka. {@link io.flowtap.kafka.JournalShipper} follows a journal's queues and produces one
 * record per excerpt, its bytes as written (the schema stays the one of {@code pipeline/journal/JOURNAL.md}), keyed so
 * that each queue, and so each flow, stays in one partition in order, and remembers in a
 * {@link io.flowtap.kafka.ShipPosition} file how far the broker acknowledged; its parts (a queue shipped, the sender
 * and its acknowledgements, making a producer, the back-off, the position kept) are package-private classes of their
 * own. {@link io.flowtap.kafka.TopicReader} reads a topic back into the journal tools' visitors with the file
 * readers' own {@link io.flowtap.pipeline.journal.ExcerptDecoder}. The record layout is
 * {@link io.flowtap.kafka.ShipRecord}'s.
 */
package io.flowtap.kafka;
