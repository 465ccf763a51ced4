package io.flowtap.capture;

import org.agrona.DirectBuffer;

/**
 * One captured frame as a source hands it over: a view of bytes that stay where the source keeps them (a mapped
 * capture file, a ring block) plus the metadata that came with them.
 * <p>
 * A source owns one {@code Frame} and refills it for every frame, so nothing is allocated per packet. The view is
 * valid only for the duration of {@link FrameHandler#onFrame(Frame)}; a handler that needs the bytes later must copy
 * them.
 * <p>
 * Not thread safe: one source, one thread.
 */
public final class Frame
{
    /** No VLAN tag was carried in the capture metadata (tags inside the frame bytes are the decoder's business). */
    public static final int NO_VLAN_TCI = -1;

    /** The source knows nothing of the checksums: they must be verified in software. */
    public static final int CHECKSUM_UNKNOWN = 0;
    /** The NIC or kernel validated the checksums (TP_STATUS_CSUM_VALID). */
    public static final int CHECKSUM_VALID = 1;
    /** The frame left this host before its checksum was filled in (TP_STATUS_CSUMNOTREADY): it cannot be judged. */
    public static final int CHECKSUM_NOT_READY = 2;

    private DirectBuffer buffer;
    private int offset;
    private int capturedLength;
    private int wireLength;
    private long timestampNs;
    private int linkType;
    private int interfaceId;
    private int vlanTci = NO_VLAN_TCI;
    private int checksumStatus = CHECKSUM_UNKNOWN;
    private long frameNumber;
    private long sourcePosition;

    /**
     * Point this frame at new bytes. Metadata not given here goes back to its default.
     *
     * @param buffer         that holds the frame.
     * @param offset         of the first byte of the link-layer header in the buffer.
     * @param capturedLength bytes of the frame that were captured and are readable in the buffer.
     * @param wireLength     bytes the frame had on the wire (larger than capturedLength when a snap length cut it).
     * @param timestampNs    capture time in nanoseconds since the epoch.
     * @param linkType       of the frame, one of {@link LinkType}'s constants.
     * @return this frame.
     */
    public Frame wrap(
        final DirectBuffer buffer,
        final int offset,
        final int capturedLength,
        final int wireLength,
        final long timestampNs,
        final int linkType)
    {
        if (this.buffer != buffer)
        {
            // Sources hand over frame after frame from one buffer: skip the GC barriers of a reference store.
            this.buffer = buffer;
        }
        this.offset = offset;
        this.capturedLength = capturedLength;
        this.wireLength = wireLength;
        this.timestampNs = timestampNs;
        this.linkType = linkType;
        this.interfaceId = 0;
        this.vlanTci = NO_VLAN_TCI;
        this.checksumStatus = CHECKSUM_UNKNOWN;
        return this;
    }

    /**
     * @return the buffer that holds the frame's bytes.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return offset of the frame's first byte in {@link #buffer()}.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * @return bytes captured and readable.
     */
    public int capturedLength()
    {
        return capturedLength;
    }

    /**
     * @return bytes the frame had on the wire.
     */
    public int wireLength()
    {
        return wireLength;
    }

    /**
     * @return whether a snap length cut the frame short.
     */
    public boolean isSnapTruncated()
    {
        return capturedLength < wireLength;
    }

    /**
     * @return capture time in nanoseconds since the epoch.
     */
    public long timestampNs()
    {
        return timestampNs;
    }

    /**
     * @return the link type, one of {@link LinkType}'s constants.
     */
    public int linkType()
    {
        return linkType;
    }

    /**
     * @return the interface the frame came from: a pcapng interface id, or an interface index for a live source.
     */
    public int interfaceId()
    {
        return interfaceId;
    }

    /**
     * @param interfaceId the frame came from.
     * @return this frame.
     */
    public Frame interfaceId(final int interfaceId)
    {
        this.interfaceId = interfaceId;
        return this;
    }

    /**
     * @return the VLAN TCI the capture stripped from the frame and kept as metadata, or {@link #NO_VLAN_TCI}.
     */
    public int vlanTci()
    {
        return vlanTci;
    }

    /**
     * @param vlanTci stripped from the frame by the kernel, or {@link #NO_VLAN_TCI}.
     * @return this frame.
     */
    public Frame vlanTci(final int vlanTci)
    {
        this.vlanTci = vlanTci;
        return this;
    }

    /**
     * @return what the source knows of the checksums: {@link #CHECKSUM_UNKNOWN}, {@link #CHECKSUM_VALID} or
     * {@link #CHECKSUM_NOT_READY}.
     */
    public int checksumStatus()
    {
        return checksumStatus;
    }

    /**
     * @param checksumStatus what the source knows of the checksums.
     * @return this frame.
     */
    public Frame checksumStatus(final int checksumStatus)
    {
        this.checksumStatus = checksumStatus;
        return this;
    }

    /**
     * @return the 1-based number of this frame in its source, as tshark's {@code frame.number} counts.
     */
    public long frameNumber()
    {
        return frameNumber;
    }

    /**
     * @param frameNumber 1-based number of the frame in its source.
     * @return this frame.
     */
    public Frame frameNumber(final long frameNumber)
    {
        this.frameNumber = frameNumber;
        return this;
    }

    /**
     * @return where the frame's record starts in its source (a byte offset into a file), for error messages.
     */
    public long sourcePosition()
    {
        return sourcePosition;
    }

    /**
     * @param sourcePosition where the frame's record starts in its source.
     * @return this frame.
     */
    public Frame sourcePosition(final long sourcePosition)
    {
        this.sourcePosition = sourcePosition;
        return this;
    }
}
