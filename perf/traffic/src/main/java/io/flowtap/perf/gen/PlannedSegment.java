package io.flowtap.perf.gen;

/**
 * One TCP segment a {@link ConnectionPlan} will emit, in stream offsets rather than sequence numbers so that plans
 * compare positions without wrap arithmetic; {@link FrameEncoder} turns offsets into sequence numbers.
 */
final class PlannedSegment
{
    /** Client to server. */
    static final int CLIENT = 0;
    /** Server to client. */
    static final int SERVER = 1;

    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;

    final int direction;
    final int flags;
    /** Stream offset of the first byte, 0 being the byte after the SYN; -1 for the SYN itself. */
    final long offset;
    /** Stream offset the peer acknowledges (the next byte it expects), or -1 for no ACK flag. */
    final long ackOffset;
    final byte[] payload;

    PlannedSegment(final int direction, final int flags, final long offset, final long ackOffset, final byte[] payload)
    {
        this.direction = direction;
        this.flags = flags;
        this.offset = offset;
        this.ackOffset = ackOffset;
        this.payload = payload;
    }

    boolean isData()
    {
        return payload != null && payload.length > 0;
    }

    long end()
    {
        return offset + (payload == null ? 0 : payload.length);
    }

    /**
     * @return a copy of this segment whose every payload byte differs, as a conflicting retransmission carries.
     */
    PlannedSegment conflicting()
    {
        final byte[] other = new byte[payload.length];
        for (int i = 0; i < other.length; i++)
        {
            other[i] = (byte)(payload[i] ^ 0x5A);
        }
        return new PlannedSegment(direction, flags, offset, ackOffset, other);
    }
}
