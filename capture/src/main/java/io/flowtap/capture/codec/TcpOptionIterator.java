package io.flowtap.capture.codec;

import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Walks the options of a TCP header in place, one at a time, without allocating. Reuse one iterator per thread.
 * <pre>
 * while (options.next())
 * {
 *     if (options.kind() == TcpOptionKind.MSS &amp;&amp; options.hasExpectedLength())
 *     {
 *         mss = options.mss();
 *     }
 * }
 * if (options.isMalformed()) ...
 * </pre>
 * A single-byte option (EOL, NOP) has length 1; every other option is kind, length, value. EOL is reported and
 * ends the walk. An option whose length is below 2 or runs past the header stops the walk and sets
 * {@link #isMalformed()}; nothing is read outside the options area.
 * <p>
 * The value accessors ({@link #mss()}, {@link #timestampValue()} ...) read the current option as the named kind;
 * check {@link #kind()} and {@link #hasExpectedLength()} first.
 */
public final class TcpOptionIterator
{
    private static final int KIND_OFFSET = 0;
    private static final int LENGTH_OFFSET = 1;
    private static final int VALUE_OFFSET = 2;
    private static final int EXID_LENGTH = 2;
    private static final int TS_ECHO_OFFSET = VALUE_OFFSET + 4;

    private DirectBuffer buffer;
    private int position;
    private int end;
    private int kind = -1;
    private int optionOffset;
    private int optionLength;
    private boolean malformed;

    /**
     * Start walking the options of a decoded segment.
     *
     * @param tcp whose options to walk.
     * @return this iterator.
     */
    public TcpOptionIterator wrap(final TcpFlyweight tcp)
    {
        return wrap(tcp.buffer(), tcp.optionsOffset(), tcp.optionsLength());
    }

    /**
     * Start walking an options area.
     *
     * @param buffer holding the options.
     * @param offset of the first option.
     * @param length of the options area.
     * @return this iterator.
     */
    public TcpOptionIterator wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.position = offset;
        this.end = offset + length;
        this.kind = -1;
        this.optionOffset = offset;
        this.optionLength = 0;
        this.malformed = false;
        return this;
    }

    /**
     * Move to the next option.
     *
     * @return true when positioned on an option; false at the end of the options or when they are malformed.
     */
    public boolean next()
    {
        if (position >= end)
        {
            return false;
        }
        final int kind = buffer.getByte(position + KIND_OFFSET) & 0xFF;
        int length = 1;
        if (kind == TcpOptionKind.EOL)
        {
            // Whatever follows EOL is padding, not options.
            optionOffset = position;
            position = end;
        }
        else if (kind == TcpOptionKind.NOP)
        {
            optionOffset = position;
            position++;
        }
        else
        {
            if (position + LENGTH_OFFSET >= end)
            {
                return stopMalformed();
            }
            length = buffer.getByte(position + LENGTH_OFFSET) & 0xFF;
            if (length < VALUE_OFFSET || position + length > end)
            {
                return stopMalformed();
            }
            optionOffset = position;
            position += length;
        }
        this.kind = kind;
        this.optionLength = length;
        return true;
    }

    /**
     * @return whether the walk stopped on an option whose length was impossible.
     */
    public boolean isMalformed()
    {
        return malformed;
    }

    /**
     * @return kind of the current option, one of {@link TcpOptionKind}'s constants or any other number.
     */
    public int kind()
    {
        return kind;
    }

    /**
     * @return length of the current option in bytes, kind and length bytes included.
     */
    public int length()
    {
        return optionLength;
    }

    /**
     * @return offset in the buffer of the current option's value (after kind and length).
     */
    public int valueOffset()
    {
        return optionOffset + VALUE_OFFSET;
    }

    /**
     * @return length of the current option's value.
     */
    public int valueLength()
    {
        return Math.max(0, optionLength - VALUE_OFFSET);
    }

    /**
     * @return whether the current option has the length its kind requires (SACK: a whole number of blocks;
     * Fast Open: empty or a 4 to 16 byte cookie; experiments: room for an experiment id); true for other kinds.
     */
    public boolean hasExpectedLength()
    {
        switch (kind)
        {
            case TcpOptionKind.MSS:
                return optionLength == TcpOptionKind.MSS_LENGTH;
            case TcpOptionKind.WS:
                return optionLength == TcpOptionKind.WS_LENGTH;
            case TcpOptionKind.SACK_PERMITTED:
                return optionLength == TcpOptionKind.SACK_PERMITTED_LENGTH;
            case TcpOptionKind.TS:
                return optionLength == TcpOptionKind.TS_LENGTH;
            case TcpOptionKind.SACK:
                return valueLength() > 0 && valueLength() % TcpOptionKind.SACK_BLOCK_LENGTH == 0;
            case TcpOptionKind.FASTOPEN:
                return isValidCookieLength(valueLength());
            case TcpOptionKind.EXPERIMENT_1:
            case TcpOptionKind.EXP_A:
                return valueLength() >= EXID_LENGTH;
            default:
                return true;
        }
    }

    /**
     * @return maximum segment size of an MSS option.
     */
    public int mss()
    {
        return buffer.getShort(valueOffset(), BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * @return shift count of a window-scale option.
     */
    public int windowScale()
    {
        return buffer.getByte(valueOffset()) & 0xFF;
    }

    /**
     * @return TSval of a timestamps option.
     */
    public long timestampValue()
    {
        return buffer.getInt(valueOffset(), BIG_ENDIAN) & 0xFFFF_FFFFL;
    }

    /**
     * @return TSecr of a timestamps option.
     */
    public long timestampEchoReply()
    {
        return buffer.getInt(optionOffset + TS_ECHO_OFFSET, BIG_ENDIAN) & 0xFFFF_FFFFL;
    }

    /**
     * @return number of blocks in a SACK option.
     */
    public int sackBlockCount()
    {
        return valueLength() / TcpOptionKind.SACK_BLOCK_LENGTH;
    }

    /**
     * @param index of the block, from 0.
     * @return left edge of a SACK block.
     */
    public long sackLeftEdge(final int index)
    {
        return buffer.getInt(valueOffset() + index * TcpOptionKind.SACK_BLOCK_LENGTH, BIG_ENDIAN) & 0xFFFF_FFFFL;
    }

    /**
     * @param index of the block, from 0.
     * @return right edge of a SACK block.
     */
    public long sackRightEdge(final int index)
    {
        return buffer.getInt(valueOffset() + index * TcpOptionKind.SACK_BLOCK_LENGTH + 4, BIG_ENDIAN) & 0xFFFF_FFFFL;
    }

    /**
     * @return the 16-bit experiment id of an experimental option (kinds 253 and 254), or -1 if it has none.
     */
    public int experimentId()
    {
        if ((kind == TcpOptionKind.EXPERIMENT_1 || kind == TcpOptionKind.EXP_A) && valueLength() >= EXID_LENGTH)
        {
            return buffer.getShort(valueOffset(), BIG_ENDIAN) & 0xFFFF;
        }
        return -1;
    }

    /**
     * @return whether the current option is Fast Open: kind 34, or its experimental form (254 with id 0xF989).
     */
    public boolean isFastOpen()
    {
        return kind == TcpOptionKind.FASTOPEN || experimentId() == TcpOptionKind.EXID_FASTOPEN;
    }

    /**
     * @return offset of a Fast Open option's cookie in the buffer.
     */
    public int fastOpenCookieOffset()
    {
        return kind == TcpOptionKind.FASTOPEN ? valueOffset() : valueOffset() + EXID_LENGTH;
    }

    /**
     * @return length of a Fast Open option's cookie: 0 for a cookie request.
     */
    public int fastOpenCookieLength()
    {
        return kind == TcpOptionKind.FASTOPEN ? valueLength() : Math.max(0, valueLength() - EXID_LENGTH);
    }

    /**
     * @return the 4-bit subtype of an MPTCP option, or -1 when the option has no room for one.
     */
    public int mptcpSubtype()
    {
        return valueLength() > 0 ? (buffer.getByte(valueOffset()) & 0xF0) >>> 4 : -1;
    }

    private static boolean isValidCookieLength(final int cookieLength)
    {
        return cookieLength == 0 || (cookieLength >= 4 && cookieLength <= 16);
    }

    private boolean stopMalformed()
    {
        malformed = true;
        position = end;
        kind = -1;
        optionLength = 0;
        return false;
    }
}
