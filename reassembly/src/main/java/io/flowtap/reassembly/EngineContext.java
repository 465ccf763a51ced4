package io.flowtap.reassembly;

import io.flowtap.capture.FrameSender;

import java.util.concurrent.TimeUnit;

/**
 * How a {@link ReassemblyEngine} is configured: fluent setters, then {@link #conclude()} checks that the settings fit
 * together before the engine sizes its tables and buffers from them. The defaults are those of a sensor on a busy
 * link: midstream pickup on, {@code immediate} delivery, Suricata's default overlap policy ({@code bsd}), and timeouts
 * close to Suricata's and Zeek's.
 */
public final class EngineContext
{
    /** Default most flows tracked at once. */
    public static final int MAX_FLOWS_DEFAULT = 65_536;
    /** Default bytes the engine buffers over all flows (the page store). */
    public static final long ENGINE_MEMCAP_BYTES_DEFAULT = 64L * 1024 * 1024;
    /** Default bytes one flow may buffer. */
    public static final long FLOW_MEMCAP_BYTES_DEFAULT = 1024L * 1024;
    /** Default page size of the store. */
    public static final int PAGE_SIZE_DEFAULT = 4096;
    /** Default timeout of a flow whose handshake has not completed. */
    public static final long EMBRYONIC_TIMEOUT_NS_DEFAULT = TimeUnit.SECONDS.toNanos(30);
    /** Default timeout of an established flow. */
    public static final long ESTABLISHED_TIMEOUT_NS_DEFAULT = TimeUnit.SECONDS.toNanos(600);
    /** Default timeout of a flow that one side has closed. */
    public static final long CLOSING_TIMEOUT_NS_DEFAULT = TimeUnit.SECONDS.toNanos(120);
    /** Default time a closed flow lingers for late packets (Zeek's {@code tcp_close_delay}). */
    public static final long CLOSED_TIMEOUT_NS_DEFAULT = TimeUnit.SECONDS.toNanos(5);
    /** How long, in capture time, bytes acknowledged before they were captured may still come. */
    public static final long ACK_GRACE_NS_DEFAULT = TimeUnit.MILLISECONDS.toNanos(100);
    /** How many more segments of the flow they may still come within. */
    public static final int ACK_GRACE_SEGMENTS_DEFAULT = 64;
    /** Bytes of bad-checksum segments held for their receivers' acknowledgement. */
    public static final int CHECKSUM_HOLD_BYTES_DEFAULT = 1 << 20;
    /** Bad-checksum segments held at most. */
    public static final int CHECKSUM_HOLD_SEGMENTS_DEFAULT = 256;
    /** Default age after which an unanswered connection attempt is over (Zeek's {@code tcp_attempt_delay}). */
    public static final long ATTEMPT_TIMEOUT_NS_DEFAULT = TimeUnit.SECONDS.toNanos(5);

    private int maxFlows = MAX_FLOWS_DEFAULT;
    private boolean vlanInKey;
    private int checksumHoldBytes = CHECKSUM_HOLD_BYTES_DEFAULT;
    private long ackGraceNs = ACK_GRACE_NS_DEFAULT;
    private int ackGraceSegments = ACK_GRACE_SEGMENTS_DEFAULT;
    private int checksumHoldSegments = CHECKSUM_HOLD_SEGMENTS_DEFAULT;
    private boolean tunnelInKey;
    private boolean midstream = true;
    private BadChecksumPolicy badChecksumPolicy = BadChecksumPolicy.AUTO;
    private DeliveryMode deliveryMode = DeliveryMode.IMMEDIATE;
    private UrgentPolicy urgentPolicy = UrgentPolicy.INLINE;
    private HostPolicies hostPolicies = new HostPolicies(OverlapPolicy.BSD);
    private FlowLimitPolicy flowLimitPolicy = FlowLimitPolicy.EVICT_OLDEST;
    private MemcapPolicy memcapPolicy = MemcapPolicy.GAP_FORWARD;
    private long engineMemcapBytes = ENGINE_MEMCAP_BYTES_DEFAULT;
    private long flowMemcapBytes = FLOW_MEMCAP_BYTES_DEFAULT;
    private int pageSize = PAGE_SIZE_DEFAULT;
    private int maxSegments;
    private int dataSlots = 4;
    private long embryonicTimeoutNs = EMBRYONIC_TIMEOUT_NS_DEFAULT;
    private long establishedTimeoutNs = ESTABLISHED_TIMEOUT_NS_DEFAULT;
    private long closingTimeoutNs = CLOSING_TIMEOUT_NS_DEFAULT;
    private long closedTimeoutNs = CLOSED_TIMEOUT_NS_DEFAULT;
    private long attemptTimeoutNs = ATTEMPT_TIMEOUT_NS_DEFAULT;
    private boolean newConnectionAfterReject = true;
    private FrameSender responder;
    private boolean concluded;

    /**
     * Check the settings and derive the ones left unset.
     *
     * @return this.
     * @throws IllegalArgumentException naming the setting that does not fit.
     */
    public EngineContext conclude()
    {
        EngineContextChecks.checkSizes(this);
        if (flowMemcapBytes > engineMemcapBytes)
        {
            flowMemcapBytes = engineMemcapBytes;
        }
        if (maxSegments == 0)
        {
            maxSegments = (int)Math.min(1 << 22, Math.max(1024, engineMemcapBytes / 256));
        }
        EngineContextChecks.checkLimits(this);
        concluded = true;
        return this;
    }

    boolean isConcluded()
    {
        return concluded;
    }

    /**
     * @param maxFlows most flows tracked at once; the table is sized for them up front.
     * @return this.
     */
    public EngineContext maxFlows(final int maxFlows)
    {
        this.maxFlows = maxFlows;
        return this;
    }

    /**
     * @return most flows tracked at once.
     */
    public int maxFlows()
    {
        return maxFlows;
    }

    /**
     * @param vlanInKey whether flows on different VLANs with the same addresses and ports are kept apart.
     * @return this.
     */
    public EngineContext vlanInKey(final boolean vlanInKey)
    {
        this.vlanInKey = vlanInKey;
        return this;
    }

    /**
     * @return whether the VLAN is part of the flow key.
     */
    public boolean vlanInKey()
    {
        return vlanInKey;
    }

    /**
     * @param tunnelInKey whether flows in different tunnels (VXLAN or Geneve VNI, GRE key, ERSPAN or PPPoE session)
     *                    with the same inner addresses and ports are kept apart, as tenants with overlapping address
     *                    spaces need (default false: a flow seen through two tunnels is one flow).
     * @return this.
     */
    public EngineContext tunnelInKey(final boolean tunnelInKey)
    {
        this.tunnelInKey = tunnelInKey;
        return this;
    }

    /**
     * @return whether the tunnel is part of the flow key.
     */
    public boolean tunnelInKey()
    {
        return tunnelInKey;
    }

    /**
     * @param midstream whether flows without a handshake are tracked.
     * @return this.
     */
    public EngineContext midstream(final boolean midstream)
    {
        this.midstream = midstream;
        return this;
    }

    /**
     * @return whether flows without a handshake are tracked.
     */
    public boolean midstream()
    {
        return midstream;
    }

    /**
     * @param dropBadChecksums true for {@link BadChecksumPolicy#DROP}, false for {@link BadChecksumPolicy#KEEP}.
     * @return this.
     */
    public EngineContext dropBadChecksums(final boolean dropBadChecksums)
    {
        this.badChecksumPolicy = dropBadChecksums ? BadChecksumPolicy.DROP : BadChecksumPolicy.KEEP;
        return this;
    }

    /**
     * @param policy what to do with segments whose checksum is bad (default {@link BadChecksumPolicy#AUTO}).
     * @return this.
     */
    public EngineContext badChecksumPolicy(final BadChecksumPolicy policy)
    {
        this.badChecksumPolicy = policy;
        return this;
    }

    /**
     * @param bytes of segments with a bad checksum held for their receivers' acknowledgement, policy auto (default
     *              1 MiB); the oldest are dropped for room.
     * @param segments held at most (default 256).
     * @return this.
     */
    public EngineContext checksumHold(final int bytes, final int segments)
    {
        this.checksumHoldBytes = bytes;
        this.checksumHoldSegments = segments;
        return this;
    }

    /**
     * Tolerance of capture order: a sensor sees the two directions through different paths (SPAN, taps, NIC queues),
     * so a peer's acknowledgement can be captured before the bytes it acknowledges. Such bytes are declared a gap
     * (reason {@code acked}) only when they have not come within this grace, counted from the acknowledgement.
     *
     * @param graceNs  capture time the bytes may still come in (default 100 ms); 0 with 0 segments declares the gap
     *                 at once.
     * @param segments further segments of the flow they may still come within (default 64).
     * @return this.
     */
    public EngineContext ackGrace(final long graceNs, final int segments)
    {
        this.ackGraceNs = graceNs;
        this.ackGraceSegments = segments;
        return this;
    }

    /**
     * @return capture time acknowledged bytes may still come in.
     */
    public long ackGraceNs()
    {
        return ackGraceNs;
    }

    /**
     * @return segments of the flow acknowledged bytes may still come within.
     */
    public int ackGraceSegments()
    {
        return ackGraceSegments;
    }

    /**
     * @return bytes of bad-checksum segments held at most.
     */
    public int checksumHoldBytes()
    {
        return checksumHoldBytes;
    }

    /**
     * @return bad-checksum segments held at most.
     */
    public int checksumHoldSegments()
    {
        return checksumHoldSegments;
    }

    /**
     * @return what is done with segments whose checksum is bad.
     */
    public BadChecksumPolicy badChecksumPolicy()
    {
        return badChecksumPolicy;
    }

    /**
     * @param deliveryMode when in-order data reaches the handlers.
     * @return this.
     */
    public EngineContext deliveryMode(final DeliveryMode deliveryMode)
    {
        this.deliveryMode = deliveryMode;
        return this;
    }

    /**
     * @return when in-order data reaches the handlers.
     */
    public DeliveryMode deliveryMode()
    {
        return deliveryMode;
    }

    /**
     * @param urgentPolicy what to do with urgent data.
     * @return this.
     */
    public EngineContext urgentPolicy(final UrgentPolicy urgentPolicy)
    {
        this.urgentPolicy = urgentPolicy;
        return this;
    }

    /**
     * @return what to do with urgent data.
     */
    public UrgentPolicy urgentPolicy()
    {
        return urgentPolicy;
    }

    /**
     * @param hostPolicies overlap policy per receiving network.
     * @return this.
     */
    public EngineContext hostPolicies(final HostPolicies hostPolicies)
    {
        this.hostPolicies = hostPolicies;
        return this;
    }

    /**
     * @return overlap policy per receiving network.
     */
    public HostPolicies hostPolicies()
    {
        return hostPolicies;
    }

    /**
     * @param policy for every host: a shortcut for a {@link HostPolicies} with only a default.
     * @return this.
     */
    public EngineContext overlapPolicy(final OverlapPolicy policy)
    {
        this.hostPolicies = new HostPolicies(policy);
        return this;
    }

    /**
     * @param flowLimitPolicy what to do with a new flow when the table is full.
     * @return this.
     */
    public EngineContext flowLimitPolicy(final FlowLimitPolicy flowLimitPolicy)
    {
        this.flowLimitPolicy = flowLimitPolicy;
        return this;
    }

    /**
     * @return what to do with a new flow when the table is full.
     */
    public FlowLimitPolicy flowLimitPolicy()
    {
        return flowLimitPolicy;
    }

    /**
     * @param memcapPolicy what to do when a memcap is reached.
     * @return this.
     */
    public EngineContext memcapPolicy(final MemcapPolicy memcapPolicy)
    {
        this.memcapPolicy = memcapPolicy;
        return this;
    }

    /**
     * @return what to do when a memcap is reached.
     */
    public MemcapPolicy memcapPolicy()
    {
        return memcapPolicy;
    }

    /**
     * @param bytes the engine buffers at most, over all flows (rounded down to whole pages).
     * @return this.
     */
    public EngineContext engineMemcapBytes(final long bytes)
    {
        this.engineMemcapBytes = bytes;
        return this;
    }

    /**
     * @return bytes the engine buffers at most.
     */
    public long engineMemcapBytes()
    {
        return engineMemcapBytes;
    }

    /**
     * @param bytes one flow buffers at most, both directions together (rounded down to whole pages).
     * @return this.
     */
    public EngineContext flowMemcapBytes(final long bytes)
    {
        this.flowMemcapBytes = bytes;
        return this;
    }

    /**
     * @return bytes one flow buffers at most.
     */
    public long flowMemcapBytes()
    {
        return flowMemcapBytes;
    }

    /**
     * @param pageSize bytes per page of the store, a power of two.
     * @return this.
     */
    public EngineContext pageSize(final int pageSize)
    {
        this.pageSize = pageSize;
        return this;
    }

    /**
     * @return bytes per page of the store.
     */
    public int pageSize()
    {
        return pageSize;
    }

    /**
     * @param maxSegments segment records over all flows (0 derives it from the engine memcap).
     * @return this.
     */
    public EngineContext maxSegments(final int maxSegments)
    {
        this.maxSegments = maxSegments;
        return this;
    }

    /**
     * @return segment records over all flows.
     */
    public int maxSegments()
    {
        return maxSegments;
    }

    /**
     * @param dataSlots per-flow user objects handlers may attach ({@link Flow#data(int)}).
     * @return this.
     */
    public EngineContext dataSlots(final int dataSlots)
    {
        this.dataSlots = dataSlots;
        return this;
    }

    /**
     * @return per-flow user objects.
     */
    public int dataSlots()
    {
        return dataSlots;
    }

    /**
     * @param timeoutNs idle time after which a flow whose handshake has not completed ends.
     * @return this.
     */
    public EngineContext embryonicTimeoutNs(final long timeoutNs)
    {
        this.embryonicTimeoutNs = timeoutNs;
        return this;
    }

    /**
     * @return idle timeout of flows whose handshake has not completed.
     */
    public long embryonicTimeoutNs()
    {
        return embryonicTimeoutNs;
    }

    /**
     * Connection boundary: a client's SYN that comes this long after the first SYN of an attempt the server never
     * answered (not a packet from it) starts a new flow, as Zeek's attempt timer ({@code tcp_attempt_delay}, 5 s)
     * ends such an attempt; the old one ends with {@link EndReason#PORT_REUSE}. A retransmitted SYN within it stays in
     * the attempt.
     *
     * @param timeoutNs the age, 0 to keep every SYN retransmission in one flow (until the embryonic timeout).
     * @return this.
     */
    public EngineContext attemptTimeoutNs(final long timeoutNs)
    {
        this.attemptTimeoutNs = timeoutNs;
        return this;
    }

    /**
     * @return age after which an unanswered attempt is over for a new SYN; 0 for never.
     */
    public long attemptTimeoutNs()
    {
        return attemptTimeoutNs;
    }

    /**
     * Connection boundary: after an attempt the server refused (an acceptable RST before the handshake completed), a
     * new SYN from the client starts a new flow even with the same ISN, as Zeek splits a connect retried after a
     * refusal ({@code Sr Sr Sr}: three connections). Off, such a SYN with the same ISN stays in the refused flow (a
     * different ISN still starts a new one).
     *
     * @param newConnection whether a SYN after a refusal starts a new flow.
     * @return this.
     */
    public EngineContext newConnectionAfterReject(final boolean newConnection)
    {
        this.newConnectionAfterReject = newConnection;
        return this;
    }

    /**
     * @return whether a SYN after a refused attempt starts a new flow.
     */
    public boolean newConnectionAfterReject()
    {
        return newConnectionAfterReject;
    }

    /**
     * @param timeoutNs idle time after which an established flow ends.
     * @return this.
     */
    public EngineContext establishedTimeoutNs(final long timeoutNs)
    {
        this.establishedTimeoutNs = timeoutNs;
        return this;
    }

    /**
     * @return idle timeout of established flows.
     */
    public long establishedTimeoutNs()
    {
        return establishedTimeoutNs;
    }

    /**
     * @param timeoutNs idle time after which a flow that one side closed ends.
     * @return this.
     */
    public EngineContext closingTimeoutNs(final long timeoutNs)
    {
        this.closingTimeoutNs = timeoutNs;
        return this;
    }

    /**
     * @return idle timeout of flows one side has closed.
     */
    public long closingTimeoutNs()
    {
        return closingTimeoutNs;
    }

    /**
     * @param timeoutNs how long a closed flow lingers to absorb late packets before its record is final.
     * @return this.
     */
    public EngineContext closedTimeoutNs(final long timeoutNs)
    {
        this.closedTimeoutNs = timeoutNs;
        return this;
    }

    /**
     * @return how long a closed flow lingers.
     */
    public long closedTimeoutNs()
    {
        return closedTimeoutNs;
    }

    /**
     * @param responder sends the RST frames of {@link Flow#reset()} on the link the connection was captured on; a
     *                  live capture supplies one, a file has none (resets are then counted as not sent). May be
     *                  shared by several engines.
     * @return this.
     */
    public EngineContext responder(final FrameSender responder)
    {
        this.responder = responder;
        return this;
    }

    /**
     * @return what sends active-response frames, or null.
     */
    public FrameSender responder()
    {
        return responder;
    }
}
