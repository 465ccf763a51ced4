package io.flowtap.capture.file;

import static org.agrona.BitUtil.SIZE_OF_INT;
import static org.agrona.BitUtil.SIZE_OF_LONG;
import static org.agrona.BitUtil.SIZE_OF_SHORT;

/**
 * Layout of the pcapng blocks flowtap reads. Every block has the same frame, in the byte order of its section:
 * <pre>
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------------------------------------------------------+
 *   |                          Block Type                           |
 *   +---------------------------------------------------------------+
 *   |                      Block Total Length                       |
 *   +---------------------------------------------------------------+
 *   /                          Block Body                           /
 *   +---------------------------------------------------------------+
 *   |                      Block Total Length                       |
 *   +---------------------------------------------------------------+
 * </pre>
 * Body offsets below are from the start of the block. Options are a list of (code: 2, length: 2, value padded to
 * 4 bytes) ending with code 0 or at the end of the body.
 */
final class PcapngDescriptor
{
    /** Section Header Block; the value reads the same in either byte order, so it can open a file of either. */
    static final int SECTION_HEADER_BLOCK = 0x0A0D0D0A;
    static final int INTERFACE_DESCRIPTION_BLOCK = 1;
    /** Obsolete Packet Block, still written by old tools. */
    static final int PACKET_BLOCK = 2;
    static final int SIMPLE_PACKET_BLOCK = 3;
    static final int ENHANCED_PACKET_BLOCK = 6;

    /** The byte-order magic as written by the section's writer; read little-endian it tells the section's order. */
    static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    static final int BYTE_ORDER_MAGIC_SWAPPED = 0x4D3C2B1A;

    static final int BLOCK_TYPE_OFFSET = 0;
    static final int BLOCK_TOTAL_LENGTH_OFFSET = BLOCK_TYPE_OFFSET + SIZE_OF_INT;
    static final int BLOCK_BODY_OFFSET = BLOCK_TOTAL_LENGTH_OFFSET + SIZE_OF_INT;
    static final int BLOCK_HEADER_LENGTH = BLOCK_BODY_OFFSET;
    static final int BLOCK_TRAILER_LENGTH = SIZE_OF_INT;
    static final int MIN_BLOCK_LENGTH = BLOCK_HEADER_LENGTH + BLOCK_TRAILER_LENGTH;
    static final int BLOCK_ALIGNMENT = SIZE_OF_INT;

    static final int SHB_BYTE_ORDER_MAGIC_OFFSET = BLOCK_BODY_OFFSET;
    static final int SHB_VERSION_MAJOR_OFFSET = SHB_BYTE_ORDER_MAGIC_OFFSET + SIZE_OF_INT;
    static final int SHB_VERSION_MINOR_OFFSET = SHB_VERSION_MAJOR_OFFSET + SIZE_OF_SHORT;
    static final int SHB_SECTION_LENGTH_OFFSET = SHB_VERSION_MINOR_OFFSET + SIZE_OF_SHORT;
    static final int SHB_OPTIONS_OFFSET = SHB_SECTION_LENGTH_OFFSET + SIZE_OF_LONG;
    static final int SHB_MIN_LENGTH = SHB_OPTIONS_OFFSET + BLOCK_TRAILER_LENGTH;

    static final int IDB_LINK_TYPE_OFFSET = BLOCK_BODY_OFFSET;
    static final int IDB_RESERVED_OFFSET = IDB_LINK_TYPE_OFFSET + SIZE_OF_SHORT;
    static final int IDB_SNAP_LENGTH_OFFSET = IDB_RESERVED_OFFSET + SIZE_OF_SHORT;
    static final int IDB_OPTIONS_OFFSET = IDB_SNAP_LENGTH_OFFSET + SIZE_OF_INT;
    static final int IDB_MIN_LENGTH = IDB_OPTIONS_OFFSET + BLOCK_TRAILER_LENGTH;

    static final int EPB_INTERFACE_ID_OFFSET = BLOCK_BODY_OFFSET;
    static final int EPB_TIMESTAMP_HIGH_OFFSET = EPB_INTERFACE_ID_OFFSET + SIZE_OF_INT;
    static final int EPB_TIMESTAMP_LOW_OFFSET = EPB_TIMESTAMP_HIGH_OFFSET + SIZE_OF_INT;
    static final int EPB_CAPTURED_LENGTH_OFFSET = EPB_TIMESTAMP_LOW_OFFSET + SIZE_OF_INT;
    static final int EPB_ORIGINAL_LENGTH_OFFSET = EPB_CAPTURED_LENGTH_OFFSET + SIZE_OF_INT;
    static final int EPB_DATA_OFFSET = EPB_ORIGINAL_LENGTH_OFFSET + SIZE_OF_INT;
    static final int EPB_MIN_LENGTH = EPB_DATA_OFFSET + BLOCK_TRAILER_LENGTH;

    static final int SPB_ORIGINAL_LENGTH_OFFSET = BLOCK_BODY_OFFSET;
    static final int SPB_DATA_OFFSET = SPB_ORIGINAL_LENGTH_OFFSET + SIZE_OF_INT;
    static final int SPB_MIN_LENGTH = SPB_DATA_OFFSET + BLOCK_TRAILER_LENGTH;

    static final int PB_INTERFACE_ID_OFFSET = BLOCK_BODY_OFFSET;
    static final int PB_DROPS_COUNT_OFFSET = PB_INTERFACE_ID_OFFSET + SIZE_OF_SHORT;
    static final int PB_TIMESTAMP_HIGH_OFFSET = PB_DROPS_COUNT_OFFSET + SIZE_OF_SHORT;
    static final int PB_TIMESTAMP_LOW_OFFSET = PB_TIMESTAMP_HIGH_OFFSET + SIZE_OF_INT;
    static final int PB_CAPTURED_LENGTH_OFFSET = PB_TIMESTAMP_LOW_OFFSET + SIZE_OF_INT;
    static final int PB_ORIGINAL_LENGTH_OFFSET = PB_CAPTURED_LENGTH_OFFSET + SIZE_OF_INT;
    static final int PB_DATA_OFFSET = PB_ORIGINAL_LENGTH_OFFSET + SIZE_OF_INT;
    static final int PB_MIN_LENGTH = PB_DATA_OFFSET + BLOCK_TRAILER_LENGTH;

    static final int OPTION_CODE_OFFSET = 0;
    static final int OPTION_LENGTH_OFFSET = OPTION_CODE_OFFSET + SIZE_OF_SHORT;
    static final int OPTION_VALUE_OFFSET = OPTION_LENGTH_OFFSET + SIZE_OF_SHORT;
    static final int OPTION_END_OF_OPTIONS = 0;
    static final int IF_TSRESOL = 9;
    static final int IF_TSOFFSET = 14;

    /**
     * Blocks that must be read whole (headers and packets) above this length are taken as damage, for the same reason
     * pcap caps a record's captured length: a corrupt length must not swallow the file. Blocks that are only skipped
     * may be of any length that fits the file.
     */
    static final int MAX_READ_BLOCK_LENGTH = PcapDescriptor.MAX_CAPTURED_LENGTH + (1 << 16);

    private PcapngDescriptor()
    {
    }
}
