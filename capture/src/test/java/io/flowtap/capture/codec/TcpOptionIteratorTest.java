package io.flowtap.capture.codec;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TcpOptionIteratorTest
{
    private final TcpOptionIterator options = new TcpOptionIterator();

    private TcpOptionIterator over(final int... bytes)
    {
        final byte[] raw = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++)
        {
            raw[i] = (byte)bytes[i];
        }
        // Exactly the options area: reading one byte past it trips the bounds check.
        return options.wrap(new UnsafeBuffer(raw), 0, raw.length);
    }

    @Test
    void shouldReadASynsOptionsAsLinuxSendsThem()
    {
        over(2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 1, 3, 3, 7);

        assertTrue(options.next());
        assertEquals(TcpOptionKind.MSS, options.kind());
        assertTrue(options.hasExpectedLength());
        assertEquals(1460, options.mss());
        assertTrue(options.next());
        assertEquals(TcpOptionKind.SACK_PERMITTED, options.kind());
        assertEquals(2, options.length());
        assertTrue(options.next());
        assertEquals(TcpOptionKind.TS, options.kind());
        assertEquals(0x1234, options.timestampValue());
        assertEquals(0, options.timestampEchoReply());
        assertTrue(options.next());
        assertEquals(TcpOptionKind.NOP, options.kind());
        assertEquals(1, options.length());
        assertTrue(options.next());
        assertEquals(TcpOptionKind.WS, options.kind());
        assertEquals(7, options.windowScale());
        assertFalse(options.next());
        assertFalse(options.isMalformed());
    }

    @Test
    void shouldReadSackBlocks()
    {
        over(1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0xFF, 0xFF, 0xFF, 0xF0, 0, 0, 0, 5);
        assertTrue(options.next());
        assertTrue(options.next());
        assertTrue(options.next());
        assertEquals(TcpOptionKind.SACK, options.kind());
        assertTrue(options.hasExpectedLength());
        assertEquals(2, options.sackBlockCount());
        assertEquals(10, options.sackLeftEdge(0));
        assertEquals(20, options.sackRightEdge(0));
        assertEquals(0xFFFF_FFF0L, options.sackLeftEdge(1));
        assertEquals(5, options.sackRightEdge(1));
    }

    @Test
    void shouldRecogniseFastOpenInBothForms()
    {
        over(34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 254, 4, 0xF9, 0x89, 34, 2);
        assertTrue(options.next());
        assertTrue(options.isFastOpen());
        assertEquals(8, options.fastOpenCookieLength());
        assertEquals(2, options.fastOpenCookieOffset());
        assertTrue(options.next());
        assertEquals(TcpOptionKind.EXP_A, options.kind());
        assertEquals(TcpOptionKind.EXID_FASTOPEN, options.experimentId());
        assertTrue(options.isFastOpen());
        assertEquals(0, options.fastOpenCookieLength(), "a cookie request");
        assertTrue(options.next());
        assertTrue(options.isFastOpen());
        assertEquals(0, options.fastOpenCookieLength());
        assertFalse(options.next());
    }

    @Test
    void shouldReadMptcpAndExperimentalOptions()
    {
        over(30, 12, 0x00, 0x81, 1, 2, 3, 4, 5, 6, 7, 8, 253, 4, 0x12, 0x34, 255, 3, 9);
        assertTrue(options.next());
        assertEquals(TcpOptionKind.MPTCP, options.kind());
        assertEquals(0, options.mptcpSubtype(), "MP_CAPABLE");
        assertTrue(options.next());
        assertEquals(TcpOptionKind.EXPERIMENT_1, options.kind());
        assertEquals(0x1234, options.experimentId());
        assertFalse(options.isFastOpen());
        assertTrue(options.next());
        assertEquals(TcpOptionKind.EXP_B, options.kind());
        assertEquals(-1, options.experimentId());
        assertEquals(1, options.valueLength());
    }

    @Test
    void shouldStopAtEndOfListAndIgnorePadding()
    {
        over(1, 0, 2, 4, 5, 0xB4);
        assertTrue(options.next());
        assertTrue(options.next());
        assertEquals(TcpOptionKind.EOL, options.kind());
        assertFalse(options.next());
        assertFalse(options.isMalformed());
    }

    @Test
    void shouldStopOnImpossibleLengthsWithoutReadingPastTheHeader()
    {
        over(2, 0, 1, 1);
        assertFalse(options.next());
        assertTrue(options.isMalformed());

        over(1, 8, 10, 0, 0);
        assertTrue(options.next());
        assertFalse(options.next(), "timestamps running past the header");
        assertTrue(options.isMalformed());

        over(1, 2);
        assertTrue(options.next());
        assertFalse(options.next(), "kind with no room for its length byte");
        assertTrue(options.isMalformed());

        over(2, 3, 5);
        assertTrue(options.next());
        assertFalse(options.hasExpectedLength(), "a 3-byte MSS");
    }

    @Test
    void shouldWalkTheOptionsOfADecodedSegment()
    {
        final byte[] frame = PacketBuilder.ethernet().flags(TcpFlyweight.SYN)
            .options((byte)2, (byte)4, (byte)0x23, (byte)0x28, (byte)1, (byte)3, (byte)3, (byte)2).build();
        final PacketDecoder decoder = new PacketDecoder();
        assertTrue(decoder.decode(new UnsafeBuffer(frame), 0, frame.length, false, 1, 0, -1));
        assertEquals(28, decoder.tcp().hdrLen());
        options.wrap(decoder.tcp());
        assertTrue(options.next());
        assertEquals(9000, options.mss());
        assertTrue(options.next());
        assertTrue(options.next());
        assertEquals(2, options.windowScale());
        assertFalse(options.next());
    }
}
