package io.flowtap.tools.output;

import io.flowtap.capture.codec.PacketDecoder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TcpflowNamesTest
{
    @Test
    void shouldPadIpv4OctetsToThreeDigitsAndPortsToFive()
    {
        final StringBuilder name = TcpflowNames.append(new StringBuilder(), 4, 0, 0x0A00_0001L, 40000, 0,
            0xC0A8_0102L, 80, PacketDecoder.NO_VLAN);
        assertEquals("010.000.000.001.40000-192.168.001.002.00080", name.toString());
    }

    @Test
    void shouldAddTheVlanAfterTwoDashesThenTheConnectionCount()
    {
        final StringBuilder name = TcpflowNames.append(new StringBuilder(), 4, 0, 0x0101_0101L, 12345, 0,
            0x0202_0202L, 8080, 6);
        assertEquals("001.001.001.001.12345-002.002.002.002.08080--6", name.toString());
        assertEquals("001.001.001.001.12345-002.002.002.002.08080--6",
            TcpflowNames.appendConnectionCount(name, 0).toString());
        assertEquals("001.001.001.001.12345-002.002.002.002.08080--6c2",
            TcpflowNames.appendConnectionCount(name, 2).toString());
    }

    /** The expected texts are what glibc's inet_ntop writes for each address. */
    @ParameterizedTest
    @CsvSource({
        "2001:db8::1, 2001:db8::1",
        "fe80::1:0, fe80::1:0",
        "::1, ::1",
        "::, ::",
        "1::, 1::",
        "::ffff:10.0.0.1, ::ffff:10.0.0.1",
        "::10.0.0.1, ::10.0.0.1",
        "::1:0:0:1, ::1:0:0:1",
        "1:0:0:1:0:0:1:1, 1::1:0:0:1:1",
        "1:0:1:1:1:1:1:1, 1:0:1:1:1:1:1:1",
        "2001:db8:0:0:1:0:0:0, 2001:db8:0:0:1::",
        "ABCD:EF01:2345:6789:ABCD:EF01:2345:6789, abcd:ef01:2345:6789:abcd:ef01:2345:6789"})
    void shouldWriteIpv6AsGlibcInetNtopDoes(final String literal, final String expected) throws UnknownHostException
    {
        final ByteBuffer words = ByteBuffer.wrap(InetAddress.getByName(literal).getAddress().length == 16 ?
            InetAddress.getByName(literal).getAddress() : mapped(literal));
        final long high = words.getLong();
        final long low = words.getLong();
        assertEquals(expected, TcpflowNames.appendIpv6(new StringBuilder(), high, low).toString());
    }

    @Test
    void shouldWriteIpv6EndpointsWithADotBeforeThePort()
    {
        final StringBuilder name = TcpflowNames.append(new StringBuilder(), 6, 0x2001_0db8_0000_0000L, 1, 443,
            0xfe80_0000_0000_0000L, 0x0000_0000_0001_0000L, 51000, PacketDecoder.NO_VLAN);
        assertEquals("2001:db8::1.00443-fe80::1:0.51000", name.toString());
    }

    /**
     * Java turns "::ffff:a.b.c.d" into an IPv4 address; put it back in its IPv6 form.
     */
    private static byte[] mapped(final String literal) throws UnknownHostException
    {
        final byte[] v4 = InetAddress.getByName(literal).getAddress();
        final byte[] v6 = new byte[16];
        v6[10] = (byte)0xff;
        v6[11] = (byte)0xff;
        System.arraycopy(v4, 0, v6, 12, 4);
        return v6;
    }
}
