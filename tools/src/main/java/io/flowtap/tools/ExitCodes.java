package io.flowtap.tools;

/**
 * The exit codes every {@code flowtap} command ends with, in one place: each command's {@code --help} lists what they
 * mean for it, and scripts and the service unit rely on them staying what they are.
 */
public final class ExitCodes
{
    /** Success. */
    public static final int OK = 0;
    /** The input could not be read, or was damaged part way; or the interface could not be captured on. */
    public static final int INPUT_ERROR = 1;
    /** The command line was wrong. */
    public static final int USAGE = 2;
    /**
     * The output could not be written: standard output (a full disk, {@code /dev/full}), a journal whose disk filled
     * up, an output directory, a journal not shipped by the end. What was written before is complete; the line printed
     * says what and where.
     */
    public static final int OUTPUT_ERROR = 3;
    /** A user's handler threw and {@code --handler-errors stop} stopped the run (cleanly, as a signal would). */
    public static final int HANDLER_STOPPED = 4;

    private ExitCodes()
    {
    }
}
