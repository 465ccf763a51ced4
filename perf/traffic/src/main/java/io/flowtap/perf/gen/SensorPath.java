package io.flowtap.perf.gen;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.util.SplittableRandom;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * What happens to a frame between the wire and the sensor, as {@link GenContext} asks: the client's checksums left to
 * its NIC (the capture taken on the client before offload filled them in), a data packet cut into IP fragments
 * (in order or not), a SPAN port's second copy (a hop later: TTL one lower), and a tunnel around each frame. None of
 * it changes the streams: a sensor that reassembles what it receives as the endpoints did gets the expected bytes.
 * <p>
 * Its own random generator, split from the seed, decides; with every option off it draws nothing, so a capture
 * without them is byte for byte what it was before they existed. Not thread safe.
 */
final class SensorPath
{
    /** Longest frame written: the encoder's, in the largest encapsulation. */
    static final int MAX_FRAME_LENGTH = FrameEncoder.MAX_FRAME_LENGTH + 14 + 20 + 8 + 8 + 8 + 64;

    private static final int ETHERNET_LENGTH = 14;
    private static final int IP_OFFSET = 14;
    private static final int IPV4_LENGTH = 20;
    private static final int TCP_OFFSET = IP_OFFSET + IPV4_LENGTH;
    private static final int PROTOCOL_TCP = 6;
    private static final int PROTOCOL_UDP = 17;
    private static final int PROTOCOL_IPIP = 4;
    private static final int PROTOCOL_GRE = 47;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_TEB = 0x6558;
    private static final int ETHERTYPE_ERSPAN = 0x88BE;
    private static final int VXLAN_PORT = 4789;
    private static final int GENEVE_PORT = 6081;
    private static final int MORE_FRAGMENTS = 0x2000;
    private static final long EXTRA_FRAME_STEP_NS = 100;
    /** Outer addresses: one tunnel endpoint on each side. */
    private static final int CLIENT_VTEP = 0xC0A8_6401;
    private static final int SERVER_VTEP = 0xC0A8_6402;

    private final GenContext context;
    private final SplittableRandom random;
    private final UnsafeBuffer[] pieces = new UnsafeBuffer[3];
    private final int[] pieceLengths = new int[3];
    private final UnsafeBuffer wrapped = new UnsafeBuffer(new byte[MAX_FRAME_LENGTH]);
    private int greSequence;

    long encapsulated;
    long fragmented;
    long fragments;
    long spanDuplicates;
    long offloaded;
    long extraFrames;

    SensorPath(final GenContext context)
    {
        this.context = context;
        this.random = new SplittableRandom(context.seed() * 0x9E37_79B9_7F4A_7C15L + 0x5EA5_0A7L);
        for (int i = 0; i < pieces.length; i++)
        {
            pieces[i] = new UnsafeBuffer(new byte[FrameEncoder.MAX_FRAME_LENGTH + 64]);
        }
    }

    /**
     * Write a frame the encoder made, as the sensor receives it.
     *
     * @param pcap       to write to.
     * @param timeNs     when it was sent.
     * @param frame      Ethernet, IPv4 without options, TCP.
     * @param length     of the frame.
     * @param fromClient whether the client sent it.
     * @param plan       its connection.
     * @throws IOException when the capture cannot be written.
     */
    void write(
        final PcapWriter pcap,
        final long timeNs,
        final UnsafeBuffer frame,
        final int length,
        final boolean fromClient,
        final ConnectionPlan plan) throws IOException
    {
        if (context.offloadChecksums() && fromClient)
        {
            leaveChecksumToTheNic(frame, length);
            offloaded++;
        }
        final int ipPayload = length - TCP_OFFSET;
        final int tcpHeader = ((frame.getByte(TCP_OFFSET + 12) & 0xF0) >>> 4) * 4;
        int count = 1;
        if (context.fragmentRate() > 0 && ipPayload - tcpHeader > 0 && ipPayload >= 24 &&
            random.nextDouble() < context.fragmentRate())
        {
            count = fragment(frame, length, ipPayload);
        }
        else
        {
            pieces[0].putBytes(0, frame, 0, length);
            pieceLengths[0] = length;
        }
        // Fragments go out in order, or last first, as routers and hosts have been seen to send them.
        final boolean reversed = count > 1 && random.nextBoolean();
        long at = timeNs;
        for (int i = 0; i < count; i++)
        {
            final int piece = reversed ? count - 1 - i : i;
            at = emit(pcap, at, pieces[piece], pieceLengths[piece], fromClient, plan, i > 0);
        }
    }

    private long emit(
        final PcapWriter pcap,
        final long timeNs,
        final UnsafeBuffer frame,
        final int length,
        final boolean fromClient,
        final ConnectionPlan plan,
        final boolean extra) throws IOException
    {
        long at = timeNs;
        if (extra)
        {
            at += EXTRA_FRAME_STEP_NS;
            extraFrames++;
        }
        final UnsafeBuffer out;
        final int outLength;
        if (context.encapsulation() == Encapsulation.NONE)
        {
            out = frame;
            outLength = length;
        }
        else
        {
            out = wrapped;
            outLength = encapsulate(frame, length, fromClient, plan);
            encapsulated++;
        }
        pcap.write(at, out, outLength);
        if (context.spanDuplicateRate() > 0 && random.nextDouble() < context.spanDuplicateRate())
        {
            // The copy from the switch's other port: one hop later, so its TTL is one lower.
            final int innerIp = outLength - length + IP_OFFSET;
            out.putByte(innerIp + 8, (byte)(out.getByte(innerIp + 8) - 1));
            ipv4Checksum(out, innerIp);
            at += EXTRA_FRAME_STEP_NS;
            pcap.write(at, out, outLength);
            spanDuplicates++;
            extraFrames++;
        }
        return at;
    }

    /**
     * The checksum as a host's stack leaves it for its NIC (Linux's CHECKSUM_PARTIAL): the pseudo-header's sum, not
     * the segment's.
     */
    private static void leaveChecksumToTheNic(final UnsafeBuffer frame, final int length)
    {
        final long source = frame.getInt(IP_OFFSET + 12, BIG_ENDIAN) & 0xFFFF_FFFFL;
        final long destination = frame.getInt(IP_OFFSET + 16, BIG_ENDIAN) & 0xFFFF_FFFFL;
        final long sum = (source >>> 16) + (source & 0xFFFF) + (destination >>> 16) + (destination & 0xFFFF) +
            PROTOCOL_TCP + length - TCP_OFFSET;
        frame.putShort(TCP_OFFSET + 16, (short)fold(sum), BIG_ENDIAN);
    }

    /**
     * Cut the IP payload in two or three at multiples of 8 bytes.
     *
     * @return the number of pieces.
     */
    private int fragment(final UnsafeBuffer frame, final int length, final int ipPayload)
    {
        final int count = ipPayload >= 48 && random.nextBoolean() ? 3 : 2;
        final int[] cuts = new int[count + 1];
        cuts[count] = ipPayload;
        for (int i = 1; i < count; i++)
        {
            final int low = cuts[i - 1] + 8;
            final int high = ipPayload - 8 * (count - i);
            cuts[i] = (low + random.nextInt(Math.max(1, high - low + 1))) & ~7;
            cuts[i] = Math.max(cuts[i], low & ~7);
        }
        for (int i = 0; i < count; i++)
        {
            final UnsafeBuffer piece = pieces[i];
            final int slice = cuts[i + 1] - cuts[i];
            piece.putBytes(0, frame, 0, TCP_OFFSET);
            piece.putBytes(TCP_OFFSET, frame, TCP_OFFSET + cuts[i], slice);
            piece.putShort(IP_OFFSET + 2, (short)(IPV4_LENGTH + slice), BIG_ENDIAN);
            piece.putShort(IP_OFFSET + 6, (short)((i < count - 1 ? MORE_FRAGMENTS : 0) | (cuts[i] >>> 3)),
                BIG_ENDIAN);
            ipv4Checksum(piece, IP_OFFSET);
            pieceLengths[i] = TCP_OFFSET + slice;
        }
        fragmented++;
        fragments += count;
        return count;
    }

    private int encapsulate(
        final UnsafeBuffer frame, final int length, final boolean fromClient, final ConnectionPlan plan)
    {
        final int tenant = 5000 + (plan.serverAddress & 0x7);
        final Encapsulation kind = context.encapsulation();
        final boolean bare = kind == Encapsulation.GRE || kind == Encapsulation.IPIP;
        final int innerLength = bare ? length - ETHERNET_LENGTH : length;
        final int innerFrom = bare ? ETHERNET_LENGTH : 0;
        int at = 0;
        wrapped.putBytes(0, frame, 0, 12);
        wrapped.putShort(12, (short)ETHERTYPE_IPV4, BIG_ENDIAN);
        at += ETHERNET_LENGTH;
        final int outerIp = at;
        at += IPV4_LENGTH;
        final int protocol;
        switch (kind)
        {
            case VXLAN:
            case GENEVE:
            {
                protocol = PROTOCOL_UDP;
                final boolean vxlan = kind == Encapsulation.VXLAN;
                final int header = vxlan ? 8 : 16;
                final int entropy = 49152 + ((plan.clientPort * 31 + plan.serverPort) & 0x3FFF);
                wrapped.putShort(at, (short)entropy, BIG_ENDIAN);
                wrapped.putShort(at + 2, (short)(vxlan ? VXLAN_PORT : GENEVE_PORT), BIG_ENDIAN);
                wrapped.putShort(at + 4, (short)(8 + header + innerLength), BIG_ENDIAN);
                wrapped.putShort(at + 6, (short)0);
                at += 8;
                if (vxlan)
                {
                    wrapped.putInt(at, 0x0800_0000, BIG_ENDIAN);
                    wrapped.putInt(at + 4, tenant << 8, BIG_ENDIAN);
                }
                else
                {
                    wrapped.putShort(at, (short)0x0200, BIG_ENDIAN);
                    wrapped.putShort(at + 2, (short)ETHERTYPE_TEB, BIG_ENDIAN);
                    wrapped.putInt(at + 4, tenant << 8, BIG_ENDIAN);
                    wrapped.putInt(at + 8, 0x0102_8001, BIG_ENDIAN);
                    wrapped.putInt(at + 12, 0xF10C_0001, BIG_ENDIAN);
                }
                at += header;
                break;
            }
            case GRE:
                protocol = PROTOCOL_GRE;
                wrapped.putShort(at, (short)0x2000, BIG_ENDIAN);
                wrapped.putShort(at + 2, (short)ETHERTYPE_IPV4, BIG_ENDIAN);
                wrapped.putInt(at + 4, tenant, BIG_ENDIAN);
                at += 8;
                break;
            case ERSPAN:
                protocol = PROTOCOL_GRE;
                wrapped.putShort(at, (short)0x1000, BIG_ENDIAN);
                wrapped.putShort(at + 2, (short)ETHERTYPE_ERSPAN, BIG_ENDIAN);
                wrapped.putInt(at + 4, greSequence++, BIG_ENDIAN);
                wrapped.putShort(at + 8, (short)0x1000, BIG_ENDIAN);
                wrapped.putShort(at + 10, (short)(tenant & 0x3FF), BIG_ENDIAN);
                wrapped.putInt(at + 12, 0, BIG_ENDIAN);
                at += 16;
                break;
            case IPIP:
            default:
                protocol = PROTOCOL_IPIP;
                break;
        }
        wrapped.putBytes(at, frame, innerFrom, innerLength);
        final int total = at + innerLength;
        wrapped.putByte(outerIp, (byte)0x45);
        wrapped.putByte(outerIp + 1, (byte)0);
        wrapped.putShort(outerIp + 2, (short)(total - outerIp), BIG_ENDIAN);
        wrapped.putShort(outerIp + 4, (short)0, BIG_ENDIAN);
        wrapped.putShort(outerIp + 6, (short)0x4000, BIG_ENDIAN);
        wrapped.putByte(outerIp + 8, (byte)64);
        wrapped.putByte(outerIp + 9, (byte)protocol);
        wrapped.putInt(outerIp + 12, fromClient ? CLIENT_VTEP : SERVER_VTEP, BIG_ENDIAN);
        wrapped.putInt(outerIp + 16, fromClient ? SERVER_VTEP : CLIENT_VTEP, BIG_ENDIAN);
        ipv4Checksum(wrapped, outerIp);
        return total;
    }

    private static void ipv4Checksum(final UnsafeBuffer buffer, final int offset)
    {
        buffer.putShort(offset + 10, (short)0);
        long sum = 0;
        for (int i = 0; i < IPV4_LENGTH; i += 2)
        {
            sum += buffer.getShort(offset + i, BIG_ENDIAN) & 0xFFFF;
        }
        buffer.putShort(offset + 10, (short)~fold(sum), BIG_ENDIAN);
    }

    private static int fold(final long sum)
    {
        long folded = sum;
        while ((folded >>> 16) != 0)
        {
            folded = (folded & 0xFFFF) + (folded >>> 16);
        }
        return (int)folded;
    }
}
