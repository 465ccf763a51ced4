package io.flowtap.reassembly;

/**
 * When in-order data reaches the handlers.
 */
public enum DeliveryMode
{
    /**
     * As soon as it is in order. In-order data that arrives in order is handed over in place, in the packet's own
     * buffer, without a copy. Conflicting overlaps are detected only among bytes still held (out of order, or not
     * consumed by a handler): bytes already delivered are not kept for comparison.
     */
    IMMEDIATE,
    /**
     * Only once the peer has acknowledged it (Net::Inspect's {@code in}): every byte is held until then, so
     * retransmissions of unacknowledged bytes are compared and resolved by the overlap policy, as Suricata does. The
     * time passed with the data is the earliest arrival of the bytes delivered.
     */
    ACKED
}
