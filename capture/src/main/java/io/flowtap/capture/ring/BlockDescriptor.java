package io.flowtap.capture.ring;

/**
 * Layout of the header at the start of every TPACKET_V3 block: {@code struct tpacket_block_desc} with its
 * {@code struct tpacket_hdr_v1}. Offsets are from the start of the block; fields are in native byte order and
 * unsigned.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                         version (= 2)                         |  0
 *  +---------------------------------------------------------------+
 *  |                        offset_to_priv                         |  4
 *  +---------------------------------------------------------------+
 *  |           block_status (who owns the block: KERNEL/USER)      |  8
 *  +---------------------------------------------------------------+
 *  |                           num_pkts                            | 12
 *  +---------------------------------------------------------------+
 *  |                      offset_to_first_pkt                      | 16
 *  +---------------------------------------------------------------+
 *  |                            blk_len                            | 20
 *  +---------------------------------------------------------------+
 *  |                        seq_num (u64)                          | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                      ts_first_pkt.ts_sec                      | 32
 *  +---------------------------------------------------------------+
 *  |                     ts_first_pkt.ts_nsec                      | 36
 *  +---------------------------------------------------------------+
 *  |                       ts_last_pkt.ts_sec                      | 40
 *  +---------------------------------------------------------------+
 *  |                      ts_last_pkt.ts_nsec                      | 44
 *  +---------------------------------------------------------------+
 *  |                  packets, from offset_to_first_pkt ...        | 48
 * </pre>
 * {@code block_status} is the hand-off word: read it with acquire semantics before anything else in the block, and
 * store {@link #STATUS_KERNEL} with release semantics after the last read of the block.
 */
public final class BlockDescriptor
{
    /** Offset of {@code version} (u32). */
    public static final int VERSION_OFFSET = 0;
    /** Offset of {@code offset_to_priv} (u32). */
    public static final int OFFSET_TO_PRIV_OFFSET = VERSION_OFFSET + Integer.BYTES;
    /** Offset of {@code block_status} (u32). */
    public static final int BLOCK_STATUS_OFFSET = OFFSET_TO_PRIV_OFFSET + Integer.BYTES;
    /** Offset of {@code num_pkts} (u32). */
    public static final int NUM_PKTS_OFFSET = BLOCK_STATUS_OFFSET + Integer.BYTES;
    /** Offset of {@code offset_to_first_pkt} (u32). */
    public static final int OFFSET_TO_FIRST_PKT_OFFSET = NUM_PKTS_OFFSET + Integer.BYTES;
    /** Offset of {@code blk_len} (u32): header plus packets. */
    public static final int BLK_LEN_OFFSET = OFFSET_TO_FIRST_PKT_OFFSET + Integer.BYTES;
    /** Offset of {@code seq_num} (u64): 1 for the first block opened, then one more per block. */
    public static final int SEQ_NUM_OFFSET = BLK_LEN_OFFSET + Integer.BYTES;
    /** Offset of {@code ts_first_pkt.ts_sec} (u32). */
    public static final int TS_FIRST_SEC_OFFSET = SEQ_NUM_OFFSET + Long.BYTES;
    /** Offset of {@code ts_first_pkt.ts_nsec} (u32). */
    public static final int TS_FIRST_NSEC_OFFSET = TS_FIRST_SEC_OFFSET + Integer.BYTES;
    /** Offset of {@code ts_last_pkt.ts_sec} (u32). */
    public static final int TS_LAST_SEC_OFFSET = TS_FIRST_NSEC_OFFSET + Integer.BYTES;
    /** Offset of {@code ts_last_pkt.ts_nsec} (u32). */
    public static final int TS_LAST_NSEC_OFFSET = TS_LAST_SEC_OFFSET + Integer.BYTES;
    /** Length of the block header (BLK_HDR_LEN), where packets start when there is no private area. */
    public static final int HEADER_LENGTH = TS_LAST_NSEC_OFFSET + Integer.BYTES;

    /** {@code block_status}: the kernel owns the block. */
    public static final int STATUS_KERNEL = 0;
    /** {@code block_status} bit: user space owns the block. */
    public static final int STATUS_USER = 0x1;
    /** {@code block_status} bit: packets were dropped while the block was open. */
    public static final int STATUS_LOSING = 0x4;
    /** {@code block_status} bit: the retire timer closed the block before it was full. */
    public static final int STATUS_BLK_TMO = 0x20;

    private BlockDescriptor()
    {
    }
}
