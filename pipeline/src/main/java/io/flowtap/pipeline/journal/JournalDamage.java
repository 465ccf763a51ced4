package io.flowtap.pipeline.journal;

import java.nio.file.Path;

/**
 * Where and why a reader stopped before the end of a journal.
 *
 * @param kind         an excerpt left unfinished at the tail, or one that is not what the schema says.
 * @param directory    of the journal.
 * @param file         the cycle file being read, or null when unknown.
 * @param index        Chronicle's index of the bad excerpt (cycle in the high bits, sequence in the low), or -1.
 * @param position     byte offset of the bad excerpt's header in {@code file}, or -1.
 * @param eventsBefore events read before it, all good.
 * @param reason       what was wrong.
 */
public record JournalDamage(
    Kind kind, Path directory, String file, long index, long position, long eventsBefore, String reason)
{
    /** What kind of stop. */
    public enum Kind
    {
        /**
         * The last excerpt was never committed: its writer died while writing it (or is still writing it). Everything
         * committed before it was read.
         */
        INCOMPLETE_TAIL,
        /** An excerpt is not what the schema or Chronicle's format says: the file was damaged. */
        CORRUPT
    }

    /**
     * @return one line that says where reading stopped and why.
     */
    public String message()
    {
        return "journal " + directory + ": " + (kind == Kind.INCOMPLETE_TAIL ? "incomplete excerpt" : "damaged") +
            (index >= 0 ? " at excerpt 0x" + Long.toHexString(index) : "") +
            (file != null ? " in " + file : "") +
            (position >= 0 ? " at byte " + position : "") +
            ", after " + eventsBefore + " good events: " + reason;
    }
}
