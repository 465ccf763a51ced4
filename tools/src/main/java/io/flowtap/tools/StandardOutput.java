package io.flowtap.tools;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The process's standard output, with its first write error kept. {@link PrintStream} and {@link java.io.PrintWriter}
 * swallow write errors (a full disk behind {@code > file}, {@code /dev/full}, a reader that closed its pipe), so a
 * command would otherwise print to nowhere and exit 0. Every stream a command writes its output to goes through the
 * one {@link Recorder} here; {@link Flowtap#main} flushes it at the end and turns a failure into one line and
 * {@link ExitCodes#OUTPUT_ERROR}, and long-running commands stop early once {@link #failed()} says so.
 * <p>
 * A closed pipe ({@code flowtap journal cat J | head}) is the reader saying it has seen enough: the command stops,
 * quietly, and exits as it would have.
 */
public final class StandardOutput
{
    private static final Recorder RECORDER = new Recorder(new FileOutputStream(FileDescriptor.out));

    private StandardOutput()
    {
    }

    /**
     * Make {@link System#out} write through the recorder (line-flushed, as the JVM's own).
     */
    public static void install()
    {
        System.setOut(new PrintStream(new BufferedOutputStream(RECORDER, 1 << 13), true, StandardCharsets.UTF_8));
    }

    /**
     * @return a new buffered stream to standard output for bulk lines (flushed by the command, not per line).
     */
    public static PrintStream bufferedStream()
    {
        return new PrintStream(new BufferedOutputStream(RECORDER, 1 << 16), false, StandardCharsets.UTF_8);
    }

    /**
     * @return whether a write to standard output has failed.
     */
    public static boolean failed()
    {
        return RECORDER.failure != null;
    }

    /**
     * @return what the first failed write said, or null.
     */
    public static IOException failure()
    {
        return RECORDER.failure;
    }

    /**
     * @param failure of a write.
     * @return whether it was a pipe whose reader went away (EPIPE).
     */
    public static boolean isClosedPipe(final IOException failure)
    {
        return failure != null && failure.getMessage() != null && failure.getMessage().contains("Broken pipe");
    }

    /**
     * @param failure of a write.
     * @return a short description for the one line.
     */
    public static String describe(final IOException failure)
    {
        final String message = failure.getMessage();
        return message == null ? failure.getClass().getSimpleName() : message;
    }

    /**
     * Passes bytes on and keeps the first {@link IOException}; once one happened, every later write fails at once
     * without another syscall, so a command writing to a full disk fails fast instead of retrying each line.
     */
    static final class Recorder extends OutputStream
    {
        private final OutputStream out;
        private volatile IOException failure;

        Recorder(final OutputStream out)
        {
            this.out = out;
        }

        @Override
        public void write(final int b) throws IOException
        {
            check();
            try
            {
                out.write(b);
            }
            catch (final IOException ex)
            {
                throw record(ex);
            }
        }

        @Override
        public void write(final byte[] b, final int off, final int len) throws IOException
        {
            check();
            try
            {
                out.write(b, off, len);
            }
            catch (final IOException ex)
            {
                throw record(ex);
            }
        }

        @Override
        public void flush() throws IOException
        {
            check();
            try
            {
                out.flush();
            }
            catch (final IOException ex)
            {
                throw record(ex);
            }
        }

        private void check() throws IOException
        {
            final IOException first = failure;
            if (first != null)
            {
                throw first;
            }
        }

        private IOException record(final IOException ex)
        {
            if (failure == null)
            {
                failure = ex;
            }
            return ex;
        }
    }
}
