package io.flowtap.capture.codec;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Cuts test IP packets into fragments as RFC 791 and RFC 8200 describe, sharing no code with the reassembler.
 */
public final class Fragments
{
    private Fragments()
    {
    }

    /**
     * An IPv4 fragment of a packet whose header has no options.
     *
     * @param packet whole IPv4 packet.
     * @param start  of the fragment's data, a multiple of 8, from the end of the IP header.
     * @param end    of its data.
     * @param more   whether more fragments follow.
     * @param data   the fragment's data, or null for the packet's own bytes there.
     * @return the fragment, header checksum correct.
     */
    public static byte[] ipv4(
        final byte[] packet, final int start, final int end, final boolean more, final byte[] data)
    {
        final int headerLength = (packet[0] & 0x0F) * 4;
        final byte[] body = data != null ? data : Arrays.copyOfRange(packet, headerLength + start, headerLength + end);
        final ByteBuffer fragment = ByteBuffer.allocate(headerLength + body.length);
        fragment.put(packet, 0, headerLength).put(body);
        fragment.putShort(2, (short)(headerLength + body.length));
        fragment.putShort(6, (short)((more ? 0x2000 : 0) | (start / 8)));
        fragment.putShort(10, (short)0);
        final byte[] header = Arrays.copyOf(fragment.array(), headerLength);
        fragment.putShort(10, (short)PacketBuilder.referenceChecksum(new byte[0], header));
        return fragment.array();
    }

    /**
     * An IPv6 fragment of a packet with no extension headers, or with {@code unfragmentable} bytes of them kept in
     * front of the fragment header.
     *
     * @param packet         whole IPv6 packet.
     * @param unfragmentable bytes of extension headers after the fixed header that every fragment repeats.
     * @param start          of the fragment's data, a multiple of 8, after those.
     * @param end            of its data.
     * @param more           whether more fragments follow.
     * @param id             identification.
     * @return the fragment.
     */
    public static byte[] ipv6(
        final byte[] packet, final int unfragmentable, final int start, final int end, final boolean more,
        final int id)
    {
        final int keep = 40 + unfragmentable;
        final byte[] body = Arrays.copyOfRange(packet, keep + start, keep + end);
        final ByteBuffer fragment = ByteBuffer.allocate(keep + 8 + body.length);
        fragment.put(packet, 0, keep);
        // The fragment header takes the place of what the last unfragmentable header named next.
        final int nextHeaderAt = unfragmentable == 0 ? 6 : 40 + lastHeaderOffset(packet, unfragmentable);
        final int carried = packet[nextHeaderAt] & 0xFF;
        fragment.put(nextHeaderAt, (byte)IpProtocol.FRAGMENT);
        fragment.put((byte)carried).put((byte)0).putShort((short)(start | (more ? 1 : 0))).putInt(id).put(body);
        fragment.putShort(4, (short)(keep - 40 + 8 + body.length));
        return fragment.array();
    }

    private static int lastHeaderOffset(final byte[] packet, final int unfragmentable)
    {
        int position = 0;
        while (true)
        {
            final int length = ((packet[40 + position + 1] & 0xFF) + 1) * 8;
            if (position + length >= unfragmentable)
            {
                return position;
            }
            position += length;
        }
    }
}
