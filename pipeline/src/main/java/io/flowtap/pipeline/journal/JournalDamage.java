package io.flowtap.pipeline.journal;

import java.nio.file.Path;

/**
 * Where and why a reader stopped before the end of a journal.
 *
 * A reader does not stop at damage: it skips the damaged range, resynchronising on the next good excerpt, and reads
 * on; each range skipped is one of these, and so is an excerpt left unfinished at the tail.
 *
 * @param kind         an excerpt left unfinished at the tail, or bytes that are not what the schema says.
 * @param directory    of the journal.
 * @param file         the cycle file (or the metadata file) concerned, or null when unknown.
 * @param index        Chronicle's index of the bad excerpt (cycle in the high bits, sequence in the low), or -1.
 * @param position     byte offset of the first byte skipped (a document's header) in {@code file}, or -1.
 * @param end          byte offset where reading went on in the file (or where its data ended), -1 when unknown.
 * @param eventsBefore good events read before it.
 * @param skipped      bytes skipped.
 * @param reason       what was wrong.
 */
public record JournalDamage(
    Kind kind, Path directory, String file, long index, long position, long end, long eventsBefore, long skipped,
    String reason)
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
        final String range = position < 0 ? "" : end > position ?
            " at bytes " + position + ".." + end + " (" + skipped + " bytes skipped)" : " at byte " + position;
        return "journal " + directory + ": " + (kind == Kind.INCOMPLETE_TAIL ? "incomplete excerpt" : "damaged") +
            (index >= 0 ? " at excerpt 0x" + Long.toHexString(index) : "") +
            (file != null ? " in " + file : "") + range +
            ", after " + eventsBefore + " good events: " + reason;
    }
}
