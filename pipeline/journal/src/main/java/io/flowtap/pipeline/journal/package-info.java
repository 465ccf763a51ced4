/**
 * The journal: what the reassembly engine reports (flows starting and ending, in-order payload, gaps, conflicting
 * overlaps, attributes), and optionally every captured frame, written to Chronicle Queue through its low-level API
 * with no allocation per event, and read back by {@link io.flowtap.pipeline.journal.JournalReader}. The binary
 * schema is {@link io.flowtap.pipeline.journal.JournalDescriptor} (a queue's files, {@link
 * io.flowtap.pipeline.journal.JournalFiles}), documented in {@code pipeline/journal/JOURNAL.md}; the writers
 * ({@link io.flowtap.pipeline.journal.JournalWriter}, {@link io.flowtap.pipeline.journal.RawPacketJournal}) and the
 * one decoder every reader shares ({@link io.flowtap.pipeline.journal.ExcerptDecoder}) mirror each other here. How a
 * queue is walked and read past damage is {@code io.flowtap.pipeline.journal.read}'s.
 * Chronicle stays behind {@link io.flowtap.pipeline.journal.Journal}: nothing public here names a Chronicle type.
 */
package io.flowtap.pipeline.journal;
