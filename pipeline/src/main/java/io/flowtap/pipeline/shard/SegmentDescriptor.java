package io.flowtap.pipeline.shard;

/**
 * Layout of one record of a {@link SegmentRing}: a TCP segment as its poller decoded it, so that the worker that
 * reassembles it never parses a header again. One record is one cache line. For a segment inside a tunnel the
 * offsets are the innermost headers' and the tunnel (type and network id) travels for the flow key; for a datagram
 * reassembled from fragments the frame is the reassembler's, copied into the slot.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |            address of the frame's first byte (64)             |  0
 *  +---------------------------------------------------------------+
 *  |                  capture timestamp, ns (64)                   |  8
 *  +---------------------------------------------------------------+
 *  |        newest segment time before this one, ns (64)           | 16
 *  +---------------------------------------------------------------+
 *  |          poller's clock when it handed the batch on (64)      | 24
 *  +-------------------------------+-------------------------------+
 *  |        flow hash (32)         |     captured length (32)      | 32
 *  +-------------------------------+-------------------------------+
 *  |        wire length (32)       |       tunnel id (32)          | 40
 *  +---------------+---------------+---------------+---------------+
 *  | IP offset(16) | TCP offset(16)| dst offset(16)| link type(16) | 48
 *  +---------------+---------------+-------+-------+-------+-------+
 *  | outer VLAN(16)| inner VLAN(16)| tunnel| VLANs | csum  | flags | 56
 *  +---------------+---------------+-------+-------+-------+-------+
 * </pre>
 * Offsets of headers are from the frame's first byte, so they hold whether the frame is read in place or from a copy.
 * The IP version and the TCP segment's length are not carried: the worker reads them from the IP header the poller
 * validated (the version nibble, the total or payload length), which left room for the tunnel in the same line.
 * A tap ring (every frame a poller reads, for the raw-frame journal) uses the same records with the frame's number,
 * interface and stripped VLAN tag in place of what only segments have ({@code FRAME_NUMBER_OFFSET} ...); workers that
 * do not reassemble get the frame's number in place of the time before it.
 * A VLAN field of {@link #NO_VLAN} means no tag. The checksum byte is a {@code TcpFlyweight} CHECKSUM_ constant, or,
 * with {@link #FLAG_CHECKSUM_DEFERRED}, the frame's own checksum status for the worker to settle the verdict from.
 */
public final class SegmentDescriptor
{
    /** Bytes per record. */
    public static final int LENGTH = 64;
    /** Address of the frame's first byte in the ring or mapped file. */
    public static final int ADDRESS_OFFSET = 0;
    /** Capture timestamp in nanoseconds since the epoch. */
    public static final int TIMESTAMP_OFFSET = ADDRESS_OFFSET + 8;
    /** The newest segment time the poller had handed on before this segment. */
    public static final int CLOCK_BEFORE_OFFSET = TIMESTAMP_OFFSET + 8;
    /** The poller's nano clock at the start of the duty cycle that handed the segment on (latency measured only). */
    public static final int HANDED_OFF_OFFSET = CLOCK_BEFORE_OFFSET + 8;
    /** Symmetric flow hash. */
    public static final int FLOW_HASH_OFFSET = HANDED_OFF_OFFSET + 8;
    /** Bytes of the frame captured. */
    public static final int CAPTURED_LENGTH_OFFSET = FLOW_HASH_OFFSET + 4;
    /** Bytes of the frame on the wire. */
    public static final int WIRE_LENGTH_OFFSET = CAPTURED_LENGTH_OFFSET + 4;
    /** The tunnel's network id (VNI, GRE key, ERSPAN or PPPoE session), 0 without one. */
    public static final int TUNNEL_ID_OFFSET = WIRE_LENGTH_OFFSET + 4;
    /** Offset of the (innermost) IP header from the frame's start. */
    public static final int IP_OFFSET_OFFSET = TUNNEL_ID_OFFSET + 4;
    /** Offset of the TCP header from the frame's start. */
    public static final int TCP_OFFSET_OFFSET = IP_OFFSET_OFFSET + 2;
    /** Offset of the final destination address from the frame's start. */
    public static final int DESTINATION_OFFSET_OFFSET = TCP_OFFSET_OFFSET + 2;
    /** Link type of the frame. */
    public static final int LINK_TYPE_OFFSET = DESTINATION_OFFSET_OFFSET + 2;
    /** Outermost VLAN id. */
    public static final int OUTER_VLAN_OFFSET = LINK_TYPE_OFFSET + 2;
    /** Second VLAN id. */
    public static final int INNER_VLAN_OFFSET = OUTER_VLAN_OFFSET + 2;
    /** The tunnel's type, a {@code TunnelType} constant, 0 without one. */
    public static final int TUNNEL_TYPE_OFFSET = INNER_VLAN_OFFSET + 2;
    /** VLAN tags found. */
    public static final int VLAN_COUNT_OFFSET = TUNNEL_TYPE_OFFSET + 1;
    /** Checksum verdict, or the frame's checksum status when deferred. */
    public static final int CHECKSUM_OFFSET = VLAN_COUNT_OFFSET + 1;
    /** {@code FLAG_} bits. */
    public static final int FLAGS_OFFSET = CHECKSUM_OFFSET + 1;

    /**
     * In a tap ring's records (every frame, for the raw-frame journal), and in the segment records of workers that do
     * not reassemble: the frame's number in its source, in place of the time before it.
     */
    public static final int FRAME_NUMBER_OFFSET = CLOCK_BEFORE_OFFSET;
    /** In a tap ring's records: the interface the frame came from. */
    public static final int INTERFACE_ID_OFFSET = FLOW_HASH_OFFSET;
    /** In a tap ring's records: the VLAN TCI the capture stripped, or -1. */
    public static final int VLAN_TCI_OFFSET = TUNNEL_ID_OFFSET;

    /** VLAN field value meaning no tag. */
    public static final int NO_VLAN = 0xFFFF;
    /** The frame was copied into the record's slot buffer when handed on (its source memory could move). */
    public static final int FLAG_COPIED_AT_HAND_OFF = 0x01;
    /** The checksum is for the worker to verify; the checksum byte holds the frame's checksum status. */
    public static final int FLAG_CHECKSUM_DEFERRED = 0x02;
    /** The timestamp is when the frame arrived (live), so end-to-end latency is measured from it. */
    public static final int FLAG_LIVE_TIMESTAMP = 0x04;
    /** The frame is wrapped in more than its link header and two VLAN tags (a tunnel, MPLS, a third tag ...). */
    public static final int FLAG_ENCAPSULATED = 0x08;

    static
    {
        if (FLAGS_OFFSET + 1 != LENGTH)
        {
            throw new AssertionError("segment descriptor is " + (FLAGS_OFFSET + 1) + " bytes, not " + LENGTH);
        }
    }

    private SegmentDescriptor()
    {
    }
}
