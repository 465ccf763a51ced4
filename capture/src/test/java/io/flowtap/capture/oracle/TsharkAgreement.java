package io.flowtap.capture.oracle;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.Frame;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.codec.TcpFlyweight;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a capture with flowtap's source and decoder and holds every frame against tshark's answer for it.
 * <ul>
 * <li>A frame flowtap decodes as TCP must be one tshark decodes as TCP, with the same ports, raw seq and ack,
 * flags (reserved bits included), window, header length, payload length, urgent pointer, checksum verdict,
 * addresses, timestamp and lengths.</li>
 * <li>A frame tshark decodes as TCP and flowtap does not must be counted under a reason that explains it: an
 * encapsulation flowtap does not open (tunnels, MPLS, ICMP quotes, other link types), a fragment, a truncated
 * header, or a header flowtap judges malformed where tshark is lenient. Anything else is a disagreement.</li>
 * </ul>
 */
public final class TsharkAgreement
{
    /** Protocol names that may appear before "tcp" for a frame flowtap must decode itself. */
    private static final Set<String> PLAIN_LAYERS = Set.of(
        "eth", "ethertype", "vlan", "sll", "null", "loop", "raw", "ip", "ipv6", "ipv6.hopopts", "ipv6.routing",
        "ipv6.dstopts", "ipv6.fraghdr", "ah");

    /** Reasons flowtap gives for a header it judges malformed; tshark often decodes TCP regardless. */
    private static final Set<DecodeCounter> STRICTER_THAN_TSHARK = Set.of(
        DecodeCounter.BAD_IP_VERSION, DecodeCounter.BAD_IP_HEADER_LENGTH, DecodeCounter.BAD_IP_LENGTH,
        DecodeCounter.BAD_IPV6_EXTENSION_HEADER, DecodeCounter.BAD_TCP_DATA_OFFSET);

    /** Segments compared field by field and found equal. */
    public long agreed;
    /** Of those, segments flowtap found inside a tunnel (VXLAN, Geneve, GRE, ERSPAN, IP in IP, MPLS ...). */
    public long agreedInTunnels;
    /** Frames flowtap read. */
    public long frames;
    /** Frames tshark decodes as TCP that flowtap counted under an explaining reason, by reason. */
    public final Map<DecodeCounter, Long> explained = new EnumMap<>(DecodeCounter.class);
    /** Every disagreement, one line each. */
    public final List<String> disagreements = new ArrayList<>();
    /** Files tshark reads that are neither pcap nor pcapng (snoop, compressed): out of flowtap's scope. */
    public final List<String> otherFormats = new ArrayList<>();
    /** Frames tshark decodes as TCP that flowtap judges malformed, one line each (explained, but worth reading). */
    public final List<String> stricter = new ArrayList<>();

    /** Records whose timestamp fraction is out of range, checked against the record rather than tshark. */
    public long invalidTimestamps;

    private final PacketDecoder decoder = new PacketDecoder(ChecksumMode.VERIFY);
    private RawPcapTimestamps timestamps;

    /**
     * Compare one capture.
     *
     * @param file   the capture.
     * @param oracle what tshark said about it.
     * @return this, accumulating over captures.
     */
    public TsharkAgreement compare(final Path file, final TsharkOracle.Capture oracle)
    {
        final long framesBefore = frames;
        timestamps = new RawPcapTimestamps(file);
        String damage = null;
        try (CaptureFileSource source = CaptureFiles.open(file))
        {
            while (!source.isEndOfStream())
            {
                source.poll((frame) -> onFrame(oracle, frame), 256);
            }
        }
        catch (final CaptureFileException ex)
        {
            damage = ex.getMessage();
        }

        final long read = frames - framesBefore;
        if (read == 0 && damage != null && damage.contains("not a pcap or pcapng file"))
        {
            otherFormats.add(damage);
        }
        else if (oracle.isClean() && (damage != null || read != oracle.frames()))
        {
            disagreements.add(oracle.path() + ": tshark read " + oracle.frames() + " frames cleanly, flowtap read " +
                read + (damage == null ? "" : " then stopped: " + damage));
        }
        else if (!oracle.isClean() && read < maxFrameNumber(oracle))
        {
            disagreements.add(oracle.path() + ": tshark decoded frames up to " + maxFrameNumber(oracle) +
                " before its error, flowtap read only " + read + (damage == null ? "" : ": " + damage));
        }
        return this;
    }

    private static long maxFrameNumber(final TsharkOracle.Capture oracle)
    {
        return oracle.rows().keySet().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    private void onFrame(final TsharkOracle.Capture oracle, final Frame frame)
    {
        frames++;
        final boolean tcp = decoder.decode(frame);
        final TsharkOracle.Row row = oracle.rows().get(frame.frameNumber());
        final String where = oracle.path() + " frame " + frame.frameNumber();
        if (tcp)
        {
            if (row == null)
            {
                disagreements.add(where + ": flowtap decoded TCP, tshark saw no TCP");
            }
            else
            {
                compareFields(where, frame, row);
            }
        }
        else if (row != null)
        {
            final DecodeCounter reason = decoder.outcome();
            if (isExplained(reason, row))
            {
                explained.merge(reason, 1L, Long::sum);
                if (STRICTER_THAN_TSHARK.contains(reason))
                {
                    stricter.add(where + ": " + reason.label() + " (tshark: " + row.protocols() + ")");
                }
            }
            else
            {
                disagreements.add(where + ": tshark decodes TCP (" + row.protocols() + "), flowtap counts it as " +
                    reason.label());
            }
        }
    }

    private static boolean isPlain(final TsharkOracle.Row row)
    {
        int ipLayers = 0;
        for (final String layer : row.encapsulation().split(":"))
        {
            if (!PLAIN_LAYERS.contains(layer))
            {
                return false;
            }
            if ("ip".equals(layer) || "ipv6".equals(layer))
            {
                ipLayers++;
            }
        }
        // A second IP layer is a tunnel (IP in IP, behind AH ...), which flowtap counts rather than opens.
        return ipLayers == 1;
    }

    private static boolean isExplained(final DecodeCounter reason, final TsharkOracle.Row row)
    {
        switch (reason)
        {
            case IP_FRAGMENT:
            case TRUNCATED_FRAME:
                return true;
            case TUNNEL:
            case NOT_TCP:
            case NOT_IP:
            case UNSUPPORTED_ENCAPSULATION:
            case UNSUPPORTED_LINK_TYPE:
                return !isPlain(row);
            default:
                return STRICTER_THAN_TSHARK.contains(reason);
        }
    }

    private void compareFields(final String where, final Frame frame, final TsharkOracle.Row row)
    {
        final TcpFlyweight tcp = decoder.tcp();
        final int before = disagreements.size();
        check(where, "srcport", tcp.srcPort(), row.number(TsharkOracle.Row.SRCPORT));
        check(where, "dstport", tcp.dstPort(), row.number(TsharkOracle.Row.DSTPORT));
        check(where, "seq", tcp.seq(), row.number(TsharkOracle.Row.SEQ));
        check(where, "ack_seq", tcp.ackSeq(), row.number(TsharkOracle.Row.ACK));
        check(where, "flags", ((long)tcp.res() << 8) | tcp.flags(), row.number(TsharkOracle.Row.FLAGS));
        check(where, "window_size", tcp.windowSize(), row.number(TsharkOracle.Row.WINDOW));
        check(where, "hdr_len", tcp.hdrLen(), row.number(TsharkOracle.Row.HDR_LEN));
        check(where, "payload length", tcp.payloadLength(), row.number(TsharkOracle.Row.LEN));
        check(where, "urgent_pointer", tcp.urgentPointer(), row.number(TsharkOracle.Row.URGENT_POINTER));
        check(where, "checksum status", decoder.checksumStatus(), row.number(TsharkOracle.Row.CHECKSUM_STATUS));
        if (frame.timestampNs() != row.timeEpochNs() && timestamps.isOutOfRangeFraction(frame))
        {
            // tshark prints such a fraction unnormalised and overflows the largest ones; the record itself says
            // what flowtap must make of it (the fraction carried into the seconds), so that is checked instead.
            invalidTimestamps++;
            check(where, "timestamp ns of a record with an out-of-range fraction", frame.timestampNs(),
                timestamps.carried(frame));
        }
        else
        {
            check(where, "timestamp ns", frame.timestampNs(), row.timeEpochNs());
        }
        check(where, "captured length", frame.capturedLength(), row.number(TsharkOracle.Row.CAP_LEN));
        check(where, "wire length", frame.wireLength(), row.number(TsharkOracle.Row.LEN_ON_WIRE));

        // The segment's own IP header is the innermost one before TCP: tunnels put others before it, and a protocol
        // inside TCP (OpenFlow quoting a packet) others after it.
        final boolean v6 = decoder.ipVersion() == 6;
        final int layer = Math.max(0, row.layersBeforeTcp(v6 ? "ipv6" : "ip") - 1);
        final String src = row.nth(v6 ? TsharkOracle.Row.IPV6_SRC : TsharkOracle.Row.IP_SRC, layer);
        final String dst = row.nth(v6 ? TsharkOracle.Row.IPV6_DST : TsharkOracle.Row.IP_DST, layer);
        checkAddress(where, "source address", decoder.sourceAddressOffset(), src);
        checkAddress(where, "destination address", decoder.destinationAddressOffset(), dst);
        if (disagreements.size() == before)
        {
            agreed++;
            agreedInTunnels += decoder.tunnelDepth() > 0 ? 1 : 0;
        }
    }

    private void check(final String where, final String field, final long ours, final long tshark)
    {
        if (ours != tshark)
        {
            disagreements.add(where + ": " + field + " flowtap " + ours + ", tshark " + tshark);
        }
    }

    private void checkAddress(final String where, final String field, final int offset, final String tshark)
    {
        final byte[] ours = new byte[decoder.addressLength()];
        decoder.buffer().getBytes(offset, ours);
        try
        {
            final byte[] theirs = addressBytes(tshark);
            if (!java.util.Arrays.equals(ours, theirs))
            {
                disagreements.add(where + ": " + field + " flowtap " + InetAddress.getByAddress(ours).getHostAddress() +
                    ", tshark " + tshark);
            }
        }
        catch (final UnknownHostException ex)
        {
            disagreements.add(where + ": " + field + " tshark's '" + tshark + "' is not an address literal");
        }
    }

    private static byte[] addressBytes(final String literal) throws UnknownHostException
    {
        if (literal.isEmpty())
        {
            return new byte[0];
        }
        final byte[] bytes = InetAddress.getByName(literal).getAddress();
        if (bytes.length == 4 && literal.contains(":"))
        {
            // Java turns an IPv4-mapped IPv6 literal (::ffff:a.b.c.d) into an IPv4 address; the packet has 16 bytes.
            final byte[] mapped = new byte[16];
            mapped[10] = (byte)0xFF;
            mapped[11] = (byte)0xFF;
            System.arraycopy(bytes, 0, mapped, 12, 4);
            return mapped;
        }
        return bytes;
    }

    /**
     * @return a summary for the test log.
     */
    public String summary()
    {
        return "frames " + frames + ", TCP segments agreeing field by field " + agreed + " (" + agreedInTunnels +
            " inside tunnels)" +
            ", tshark TCP frames flowtap counted under a reason " + explained +
            ", records with out-of-range timestamp fractions " + invalidTimestamps +
            ", files in other formats " + otherFormats.size() + ", disagreements " + disagreements.size();
    }
}
