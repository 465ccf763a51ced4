package io.flowtap.capture.ring;

/**
 * Layout of a TPACKET_V2 transmit ring slot: {@code struct tpacket2_hdr}, then the frame at
 * {@link #DATA_OFFSET} ({@code TPACKET2_HDRLEN - sizeof(struct sockaddr_ll)}, where the kernel reads it when
 * {@code PACKET_TX_HAS_OFF} is off).
 * <pre>
 *   0               4               8               12      14      16              20              24
 *   +---------------+---------------+---------------+-------+-------+---------------+---------------+
 *   | tp_status     | tp_len        | tp_snaplen    | mac   | net   | tp_sec        | tp_nsec       |
 *   +-------+-------+---------------+---------------+-------+-------+---------------+---------------+
 *   | vlan  | tpid  | padding       | frame bytes from 32 ...
 *   +-------+-------+---------------+
 * </pre>
 * A slot belongs to flowtap while its status is {@link #STATUS_AVAILABLE}; flowtap hands it over by storing
 * {@link #STATUS_SEND_REQUEST} with release semantics after the frame and its length, and the kernel gives it back
 * as available once the frame's buffer is freed.
 */
public final class TxFrameDescriptor
{
    /** {@code tp_status} (u32). */
    public static final int STATUS_OFFSET = 0;
    /** {@code tp_len} (u32): the length of the frame to send. */
    public static final int LEN_OFFSET = 4;
    /** Where the frame starts. */
    public static final int DATA_OFFSET = 32;
    /** TP_STATUS_AVAILABLE: the slot is flowtap's to fill. */
    public static final int STATUS_AVAILABLE = 0;
    /** TP_STATUS_SEND_REQUEST: filled, for the kernel to send. */
    public static final int STATUS_SEND_REQUEST = 1;
    /** TP_STATUS_SENDING: the kernel is sending it. */
    public static final int STATUS_SENDING = 2;
    /** TP_STATUS_WRONG_FORMAT: the kernel refused the frame. */
    public static final int STATUS_WRONG_FORMAT = 4;

    private TxFrameDescriptor()
    {
    }
}
