package io.flowtap.capture.codec.layer;

import io.flowtap.capture.Frame;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.codec.DuplicateFilter;
import io.flowtap.capture.codec.TcpFlyweight;

/**
 * The TCP header: its lengths checked against the IP packet and the captured bytes, the duplicate filter asked, and
 * the checksum settled by the decoder's {@link ChecksumMode} (or left for {@link #resolveChecksum} when the decoder
 * defers it to the stage that reassembles the segment).
 * <p>
 * Not thread safe: one per decoder.
 */
public final class TcpLayerDecoder
{
    private final ChecksumMode checksumMode;
    private final boolean checksumDeferred;
    private final DuplicateFilter duplicates;

    /**
     * The TCP layer of a decoder.
     *
     * @param checksumMode     how TCP checksums are treated.
     * @param checksumDeferred whether to leave every segment unverified, uncounted, for {@link #resolveChecksum}.
     * @param duplicates       the duplicate filter, or null.
     */
    public TcpLayerDecoder(
        final ChecksumMode checksumMode,
        final boolean checksumDeferred,
        final DuplicateFilter duplicates)
    {
        this.checksumMode = checksumMode;
        this.checksumDeferred = checksumDeferred;
        this.duplicates = duplicates;
    }

    /**
     * Settle the checksum of the segment the frame describes, as the decode would have, and count the verdict.
     *
     * @param f                   the frame describing the segment.
     * @param frameChecksumStatus what the source knew of the frame's checksums, one of {@link Frame}'s CHECKSUM_
     *                            constants.
     * @return one of {@link TcpFlyweight}'s CHECKSUM_ constants, also the frame's checksum status now.
     */
    public int resolveChecksum(final DecodedFrame f, final int frameChecksumStatus)
    {
        f.frameChecksumStatus = frameChecksumStatus;
        f.checksumStatus = checksumStatusOfSegment(f);
        countChecksum(f, f.checksumStatus);
        return f.checksumStatus;
    }



    DecodeCounter decodeTcp(final DecodedFrame f, final int offset, final int packetEnd)
    {
        final int segmentLength = packetEnd - offset;
        final int capturedLength = Math.min(packetEnd, f.frameEnd) - offset;
        if (segmentLength < TcpFlyweight.MIN_HEADER_LENGTH)
        {
            return DecodeCounter.BAD_IP_LENGTH;
        }
        if (capturedLength < TcpFlyweight.MIN_HEADER_LENGTH)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }

        f.tcp.wrap(f.buffer, offset, segmentLength, capturedLength, f.sourceAddressOffset(), f.finalDestinationOffset,
            f.addressLength());
        final int headerLength = f.tcp.hdrLen();
        if (headerLength < TcpFlyweight.MIN_HEADER_LENGTH || headerLength > segmentLength)
        {
            return DecodeCounter.BAD_TCP_DATA_OFFSET;
        }
        if (headerLength > capturedLength)
        {
            return DecodeCounter.TRUNCATED_FRAME;
        }
        if (duplicates != null && duplicates.isDuplicate(f.buffer, f.ipOffset, f.ipVersion, offset + capturedLength,
            f.addressTag(f.tcp.srcPort(), f.tcp.dstPort()), f.timeNs))
        {
            return DecodeCounter.DUPLICATE;
        }

        if (capturedLength < segmentLength)
        {
            f.counters.increment(DecodeCounter.TCP_PAYLOAD_TRUNCATED);
        }
        if (!checksumDeferred)
        {
            f.checksumStatus = checksumStatusOfSegment(f);
            countChecksum(f, f.checksumStatus);
        }
        return DecodeCounter.TCP_SEGMENT;
    }

    private void countChecksum(final DecodedFrame f, final int status)
    {
        if (status == TcpFlyweight.CHECKSUM_BAD)
        {
            f.counters.increment(DecodeCounter.TCP_CHECKSUM_BAD);
        }
        else if (status == TcpFlyweight.CHECKSUM_UNVERIFIED)
        {
            f.counters.increment(DecodeCounter.TCP_CHECKSUM_UNVERIFIED);
        }
    }

    private int checksumStatusOfSegment(final DecodedFrame f)
    {
        if (checksumMode == ChecksumMode.OFF || !f.tcp.isComplete())
        {
            return TcpFlyweight.CHECKSUM_UNVERIFIED;
        }
        if (checksumMode == ChecksumMode.AUTO)
        {
            if (f.frameChecksumStatus == Frame.CHECKSUM_VALID)
            {
                return TcpFlyweight.CHECKSUM_GOOD;
            }
            if (f.frameChecksumStatus == Frame.CHECKSUM_NOT_READY)
            {
                return TcpFlyweight.CHECKSUM_UNVERIFIED;
            }
        }
        return f.tcp.verifyChecksum() ? TcpFlyweight.CHECKSUM_GOOD : TcpFlyweight.CHECKSUM_BAD;
    }
}
