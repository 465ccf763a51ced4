package io.flowtap.pipeline.journal;

/**
 * A journal that cannot be opened or read: the message is one line, naming the directory, fit to print as it is.
 */
public final class JournalException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** What went wrong, for exit codes and tests. */
    public enum Kind
    {
        /** The directory does not exist. */
        MISSING,
        /** The path is not a directory. */
        NOT_A_DIRECTORY,
        /** The directory holds no journal data. */
        EMPTY,
        /** The directory is not a Chronicle queue, or a Chronicle queue that flowtap did not write. */
        FOREIGN,
        /** The journal was written with a newer schema version than this code reads. */
        NEWER_SCHEMA,
        /** The file system failed. */
        IO,
        /** The journal's file system has no room for it. */
        FULL
    }

    private final Kind kind;

    /**
     * @param kind    what went wrong.
     * @param message one line.
     */
    public JournalException(final Kind kind, final String message)
    {
        super(message);
        this.kind = kind;
    }

    /**
     * @param kind    what went wrong.
     * @param message one line.
     * @param cause   underneath.
     */
    public JournalException(final Kind kind, final String message, final Throwable cause)
    {
        super(message, cause);
        this.kind = kind;
    }

    /**
     * @return what went wrong.
     */
    public Kind kind()
    {
        return kind;
    }
}
