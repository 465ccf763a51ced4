package io.flowtap.tools.output;

/**
 * What a stream file holds where the stream has a gap (bytes that were never captured).
 */
public enum GapFill
{
    /** Zero bytes, as tcpflow writes: the file offset of every byte is its stream offset. */
    ZEROS,
    /** Nothing: the bytes after a gap follow the bytes before it (flows.jsonl says where the gaps were). */
    NONE
}
