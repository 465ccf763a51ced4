package io.flowtap.capture.file;

import static org.agrona.BitUtil.SIZE_OF_INT;
import static org.agrona.BitUtil.SIZE_OF_SHORT;

/**
 * Layout of a classic pcap file: a file header, then records of a record header followed by the captured bytes.
 * Every field is in the byte order of the host that wrote the file, which the magic number tells.
 * <pre>
 *   File header (24 bytes)
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                         Magic Number                          |
 *   +-------------------------------+-------------------------------+
 *   |         Major Version         |         Minor Version         |
 *   +-------------------------------+-------------------------------+
 *   |                    This Zone (always 0)                       |
 *   +---------------------------------------------------------------+
 *   |                    Sig Figs (always 0)                        |
 *   +---------------------------------------------------------------+
 *   |                          Snap Length                          |
 *   +---------------------------------------------------------------+
 *   |   FCS info and reserved       |          Link Type            |
 *   +---------------------------------------------------------------+
 *
 *   Record header (16 bytes; 24 in the modified format, whose extra 8 bytes are skipped)
 *   +---------------------------------------------------------------+
 *   |                      Timestamp (seconds)                      |
 *   +---------------------------------------------------------------+
 *   |           Timestamp (microseconds or nanoseconds)             |
 *   +---------------------------------------------------------------+
 *   |                    Captured Packet Length                     |
 *   +---------------------------------------------------------------+
 *   |                    Original Packet Length                     |
 *   +---------------------------------------------------------------+
 * </pre>
 */
final class PcapDescriptor
{
    /** Microsecond timestamps, as read in the writer's byte order. */
    static final int MAGIC_MICROSECONDS = 0xA1B2C3D4;
    /** Nanosecond timestamps. */
    static final int MAGIC_NANOSECONDS = 0xA1B23C4D;
    /** Alexey Kuznetzov's modified pcap: microsecond timestamps and 24-byte record headers. */
    static final int MAGIC_MODIFIED = 0xA1B2CD34;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_MAJOR_OFFSET = MAGIC_OFFSET + SIZE_OF_INT;
    static final int VERSION_MINOR_OFFSET = VERSION_MAJOR_OFFSET + SIZE_OF_SHORT;
    static final int THIS_ZONE_OFFSET = VERSION_MINOR_OFFSET + SIZE_OF_SHORT;
    static final int SIG_FIGS_OFFSET = THIS_ZONE_OFFSET + SIZE_OF_INT;
    static final int SNAP_LENGTH_OFFSET = SIG_FIGS_OFFSET + SIZE_OF_INT;
    static final int LINK_TYPE_OFFSET = SNAP_LENGTH_OFFSET + SIZE_OF_INT;
    static final int FILE_HEADER_LENGTH = LINK_TYPE_OFFSET + SIZE_OF_INT;

    /** The upper bits of the link type field carry FCS length and flags, not the link type. */
    static final int LINK_TYPE_MASK = 0xFFFF;

    static final int TIMESTAMP_SECONDS_OFFSET = 0;
    static final int TIMESTAMP_FRACTION_OFFSET = TIMESTAMP_SECONDS_OFFSET + SIZE_OF_INT;
    static final int CAPTURED_LENGTH_OFFSET = TIMESTAMP_FRACTION_OFFSET + SIZE_OF_INT;
    static final int ORIGINAL_LENGTH_OFFSET = CAPTURED_LENGTH_OFFSET + SIZE_OF_INT;
    static final int RECORD_HEADER_LENGTH = ORIGINAL_LENGTH_OFFSET + SIZE_OF_INT;
    /** Interface index (4), protocol (2), packet type (1) and padding (1) follow the standard header. */
    static final int MODIFIED_RECORD_HEADER_LENGTH = RECORD_HEADER_LENGTH + 2 * SIZE_OF_INT;

    /**
     * A captured length above this is taken as damage rather than a real packet, as libpcap does: no link layer
     * produces larger frames, and trusting a corrupt length would swallow the rest of the file as one packet.
     */
    static final int MAX_CAPTURED_LENGTH = 256 * 1024 * 1024;

    private PcapDescriptor()
    {
    }
}
