package io.flowtap.capture.file;

import io.flowtap.capture.Frame;

import java.util.Arrays;

/**
 * A copy of everything a source said about one frame, so tests can compare frames after the source moved on.
 */
record SeenFrame(
    long frameNumber,
    long sourcePosition,
    int interfaceId,
    int linkType,
    long timestampNs,
    int capturedLength,
    int wireLength,
    byte[] bytes)
{
    static SeenFrame of(final Frame frame)
    {
        final byte[] bytes = new byte[frame.capturedLength()];
        frame.buffer().getBytes(frame.offset(), bytes);
        return new SeenFrame(
            frame.frameNumber(),
            frame.sourcePosition(),
            frame.interfaceId(),
            frame.linkType(),
            frame.timestampNs(),
            frame.capturedLength(),
            frame.wireLength(),
            bytes);
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof SeenFrame that &&
            frameNumber == that.frameNumber &&
            sourcePosition == that.sourcePosition &&
            interfaceId == that.interfaceId &&
            linkType == that.linkType &&
            timestampNs == that.timestampNs &&
            capturedLength == that.capturedLength &&
            wireLength == that.wireLength &&
            Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode()
    {
        return Long.hashCode(frameNumber) * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString()
    {
        return "SeenFrame{#" + frameNumber + " @" + sourcePosition + " if=" + interfaceId + " lt=" + linkType +
            " ts=" + timestampNs + " cap=" + capturedLength + " wire=" + wireLength + " bytes=" +
            Arrays.toString(bytes) + "}";
    }
}
