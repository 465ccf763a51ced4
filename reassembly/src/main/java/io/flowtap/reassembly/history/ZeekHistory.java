package io.flowtap.reassembly.history;

/**
 * A flow's Zeek-style {@code history}: the letters {@link ZeekConnection} writes, in order, as Zeek's
 * {@code conn.log} shows them. Bounded: past {@value #MAX_LETTERS} letters the history is cut, as a log line must end.
 * Held by the flow's record, which reads it out; allocates nothing after construction.
 */
public final class ZeekHistory
{
    /** Most letters kept. */
    public static final int MAX_LETTERS = 40;

    private final byte[] letters = new byte[MAX_LETTERS];
    private int length;

    /**
     * Forget every letter: a new flow.
     */
    public void clear()
    {
        length = 0;
    }

    /**
     * Append a letter as it is (the rules of which letter, in which case, are {@link ZeekConnection}'s).
     *
     * @param letter to append; dropped once the history is full.
     */
    public void add(final char letter)
    {
        if (length < MAX_LETTERS)
        {
            letters[length++] = (byte)letter;
        }
    }

    /**
     * Take a whole history, as a journal recorded it.
     *
     * @param text its letters; cut at {@value #MAX_LETTERS}.
     */
    public void set(final CharSequence text)
    {
        length = Math.min(text.length(), MAX_LETTERS);
        for (int i = 0; i < length; i++)
        {
            letters[i] = (byte)text.charAt(i);
        }
    }

    /**
     * @return letters in the history.
     */
    public int length()
    {
        return length;
    }

    /**
     * @param index below {@link #length()}.
     * @return that letter.
     */
    public char charAt(final int index)
    {
        return (char)letters[index];
    }

    /**
     * @param out to append the letters to, without allocating.
     * @return {@code out}.
     */
    public StringBuilder appendTo(final StringBuilder out)
    {
        for (int i = 0; i < length; i++)
        {
            out.append((char)letters[i]);
        }
        return out;
    }
}
