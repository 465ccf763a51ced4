package io.flowtap.reassembly;

/**
 * Why a flow ended, as its record reports it.
 */
public enum EndReason
{
    /** Both sides sent a FIN. */
    FIN("fin"),
    /** A side sent an acceptable RST. */
    RST("rst"),
    /** No packet for longer than the timeout of the state the flow was in. */
    IDLE_TIMEOUT("idle_timeout"),
    /** Removed to make room for a new flow when the table was full. */
    EVICTED("evicted"),
    /**
     * A new SYN reused the 4-tuple while the old connection was still tracked: it had not closed, or it was an
     * unanswered attempt past the attempt timeout (a flow whose RST or FINs had closed it keeps that reason).
     */
    PORT_REUSE("port_reuse"),
    /** The engine was shut down (end of a capture file, or the appliance stopping). */
    SHUTDOWN("shutdown");

    private final String label;

    EndReason(final String label)
    {
        this.label = label;
    }

    /**
     * @return the name used in text and JSON output.
     */
    public String label()
    {
        return label;
    }
}
