package io.flowtap.tools.options;

import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.reassembly.BadChecksumPolicy;
import io.flowtap.reassembly.DeliveryMode;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.HostPolicies;
import io.flowtap.reassembly.MemcapPolicy;
import io.flowtap.reassembly.OverlapPolicy;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.reassembly.UrgentPolicy;
import io.flowtap.reassembly.attribute.HttpAttributeExtractor;
import io.flowtap.reassembly.attribute.TlsAttributeExtractor;
import io.flowtap.tools.OptionRanges;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The reassembly engine's settings as command-line options, shared by every command that reassembles a capture file
 * ({@code streams}, {@code flows}): each option maps to one {@link EngineContext} setting, with the engine's own
 * default.
 */
public final class EngineOptions
{
    /** Most flows an engine tracks: 16 million, about 17 GiB of flow table and flow objects. */
    public static final int MAX_FLOWS = 1 << 24;

    @Option(names = "--delivery", paramLabel = "MODE",
        description = "when in-order bytes are delivered: immediate, as soon as they are in order, or acked, once the "
            + "peer acknowledged them (default: immediate)")
    private DeliveryMode deliveryMode = DeliveryMode.IMMEDIATE;

    @Option(names = "--overlap-policy", paramLabel = "NAME", converter = OverlapPolicyConverter.class,
        description = "which bytes win when a segment overlaps bytes held with different ones: first, last, bsd, "
            + "linux, old-linux, windows, solaris, or an OS name Suricata's host-os-policy takes (default: bsd)")
    private OverlapPolicy overlapPolicy = OverlapPolicy.BSD;

    @Option(names = "--host-policy", paramLabel = "CIDR=POLICY", converter = HostPolicyConverter.class,
        description = "overlap policy for receivers in a network, e.g. 10.0.0.0/8=linux (repeatable; the longest "
            + "prefix wins)")
    private List<HostPolicy> hostPolicies = new ArrayList<>();

    @Option(names = "--urgent", paramLabel = "POLICY",
        description = "urgent data: inline keeps the urgent byte in the stream, oob takes it out as a receiver "
            + "without SO_OOBINLINE does, drop drops the segment (default: inline)")
    private UrgentPolicy urgentPolicy = UrgentPolicy.INLINE;

    @Option(names = "--no-midstream", description = "do not track connections whose handshake was not captured")
    private boolean noMidstream;

    @Option(names = "--tunnel-in-key",
        description = "keep connections in different tunnels apart when their inner addresses and ports are the same "
            + "(tenants with overlapping address spaces): the tunnel's VXLAN or Geneve VNI, GRE key, or ERSPAN or "
            + "PPPoE session becomes part of the flow key (default: off, a connection seen through two tunnels is "
            + "one connection)")
    private boolean tunnelInKey;

    @Option(names = "--attempt-timeout", paramLabel = "SECONDS",
        description = "a client's SYN this long after the first SYN of an attempt the server never answered starts a "
            + "new connection, as Zeek's tcp_attempt_delay splits them; 0 keeps retransmitted SYNs in one connection "
            + "(default: 5)")
    private double attemptTimeoutSeconds = EngineContext.ATTEMPT_TIMEOUT_NS_DEFAULT / 1e9;

    @Option(names = "--keep-refused",
        description = "a SYN with the same ISN after an attempt the server refused with a RST continues that "
            + "connection, instead of starting a new one as Zeek does")
    private boolean keepRefused;

    @Option(names = "--checksum", paramLabel = "MODE",
        description = "TCP checksum handling: verify (a segment with a bad checksum is ignored, as its receiver "
            + "would), auto or off (default: auto, which verifies every segment of a file, and takes the ring's own "
            + "verdicts live). In auto, a segment with a bad checksum waits for its receiver's "
            + "acknowledgement: taken when the receiver acknowledges it (a host capturing its own traffic before "
            + "its NIC fills checksums in, found and named in the summary), ignored when it never does, as the "
            + "receiver ignored it; off uses every segment at once")
    private ChecksumMode checksumMode = ChecksumMode.AUTO;

    @Option(names = "--ack-grace", paramLabel = "TIME", converter = DecoderOptions.DurationConverter.class,
        description = "how long, in capture time, bytes the receiver acknowledged before they were captured may "
            + "still come before they are a gap (the two directions reach a sensor by different paths): 100ms, "
            + "0 for at once (default: 100ms)")
    private long ackGraceNs = EngineContext.ACK_GRACE_NS_DEFAULT;

    @Option(names = "--ack-grace-segments", paramLabel = "N",
        description = "how many more segments of the connection they may still come within (default: "
            + "${DEFAULT-VALUE})")
    private int ackGraceSegments = EngineContext.ACK_GRACE_SEGMENTS_DEFAULT;

    @Option(names = "--max-flows", paramLabel = "N",
        description = "most connections tracked at once, 1 to " + MAX_FLOWS + "; the least recently active one is "
            + "ended to make room (default: ${DEFAULT-VALUE})")
    private int maxFlows = EngineContext.MAX_FLOWS_DEFAULT;

    @Option(names = "--engine-memcap", paramLabel = "BYTES", converter = ByteSizeConverter.class,
        description = "bytes held for reassembly over all connections, with an optional k, m or g suffix, one page "
            + "(4k) to 2g, allocated up front per engine (default: 64m)")
    private long engineMemcapBytes = EngineContext.ENGINE_MEMCAP_BYTES_DEFAULT;

    @Option(names = "--flow-memcap", paramLabel = "BYTES", converter = ByteSizeConverter.class,
        description = "bytes held for reassembly by one connection, one page (4k) to the engine memcap (default: 1m)")
    private long flowMemcapBytes = EngineContext.FLOW_MEMCAP_BYTES_DEFAULT;

    @Option(names = "--memcap-policy", paramLabel = "POLICY", converter = MemcapPolicyConverter.class,
        description = "when a memcap is reached: gap-forward skips the oldest hole as a gap, stop-tracking stops "
            + "reassembling the connection (default: gap-forward)")
    private MemcapPolicy memcapPolicy = MemcapPolicy.GAP_FORWARD;

    @Option(names = "--attributes",
        description = "find HTTP/1.x and TLS attributes in each stream, by content (host, URI, user agent, content "
            + "type, status; server name, ALPN, version, cipher, certificate organisation and authorities) and show "
            + "them: as name=value at the end of each text line, as attribute events in JSON")
    private boolean attributes;

    /**
     * The engine's handlers for a command: the attribute extractors first when {@code --attributes} is given, then
     * the command's own.
     *
     * @param own the command's handler.
     * @return the handlers, in the order the engine calls them.
     */
    public TcpHandler[] handlers(final TcpHandler own)
    {
        return handlers(own, List.of());
    }

    /**
     * The engine's handlers for a command with the user's: the attribute extractors first when {@code --attributes}
     * is given, then the user's, then the command's own (which reports each flow with the user's verdicts on it).
     *
     * @param own  the command's handler.
     * @param user the user's handlers, in order.
     * @return the handlers, in the order the engine calls them.
     */
    public TcpHandler[] handlers(final TcpHandler own, final List<TcpHandler> user)
    {
        final List<TcpHandler> handlers = new ArrayList<>();
        if (attributes)
        {
            handlers.add(new HttpAttributeExtractor());
            handlers.add(new TlsAttributeExtractor());
        }
        handlers.addAll(user);
        handlers.add(own);
        return handlers.toArray(new TcpHandler[0]);
    }

    /**
     * @return whether HTTP and TLS attributes are extracted.
     */
    public boolean attributes()
    {
        return attributes;
    }

    /**
     * @return the {@code --host-policy} networks, in the order given.
     */
    public List<HostPolicy> hostPolicies()
    {
        return List.copyOf(hostPolicies);
    }

    /**
     * @return the decoder's checksum mode.
     */
    public ChecksumMode checksumMode()
    {
        return checksumMode;
    }

    /**
     * Build the engine's configuration from the options, concluded.
     *
     * @param commandLine to report a combination of settings that does not fit to, as a usage error.
     * @return the configuration.
     * @throws CommandLine.ParameterException when the settings do not fit together.
     */
    public EngineContext context(final CommandLine commandLine)
    {
        OptionRanges.check(commandLine, "--max-flows", maxFlows, 1, MAX_FLOWS);
        final HostPolicies policies = new HostPolicies(overlapPolicy);
        for (final HostPolicy hostPolicy : hostPolicies)
        {
            policies.add(hostPolicy.network(), hostPolicy.policy());
        }
        try
        {
            return new EngineContext()
                .badChecksumPolicy(checksumMode == ChecksumMode.VERIFY ? BadChecksumPolicy.DROP :
                    BadChecksumPolicy.AUTO)
                .maxFlows(maxFlows)
                .midstream(!noMidstream)
                .tunnelInKey(tunnelInKey)
                .ackGrace(ackGraceNs, ackGraceSegments)
                .attemptTimeoutNs(Math.round(attemptTimeoutSeconds * 1e9))
                .newConnectionAfterReject(!keepRefused)
                .deliveryMode(deliveryMode)
                .urgentPolicy(urgentPolicy)
                .hostPolicies(policies)
                .memcapPolicy(memcapPolicy)
                .engineMemcapBytes(engineMemcapBytes)
                .flowMemcapBytes(flowMemcapBytes)
                .conclude();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(commandLine, ex.getMessage(), ex);
        }
    }

    /**
     * One {@code --host-policy}: a network and the overlap policy of the receivers in it.
     *
     * @param network an address with an optional prefix length.
     * @param policy  for receivers in it.
     */
    public record HostPolicy(String network, OverlapPolicy policy)
    {
    }

    /**
     * Parses {@code --overlap-policy}, with the names {@link OverlapPolicy#fromName} takes.
     */
    static final class OverlapPolicyConverter implements CommandLine.ITypeConverter<OverlapPolicy>
    {
        @Override
        public OverlapPolicy convert(final String value)
        {
            try
            {
                return OverlapPolicy.fromName(value);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.TypeConversionException(ex.getMessage());
            }
        }
    }

    /**
     * Parses {@code --host-policy CIDR=POLICY}, checking the network as the engine will.
     */
    static final class HostPolicyConverter implements CommandLine.ITypeConverter<HostPolicy>
    {
        @Override
        public HostPolicy convert(final String value)
        {
            final int equals = value.lastIndexOf('=');
            if (equals <= 0 || equals == value.length() - 1)
            {
                throw new CommandLine.TypeConversionException(
                    "expected CIDR=POLICY, e.g. 10.0.0.0/8=linux, not '" + value + "'");
            }
            try
            {
                final String network = value.substring(0, equals).trim();
                final OverlapPolicy policy = OverlapPolicy.fromName(value.substring(equals + 1));
                new HostPolicies(policy).add(network, policy);
                return new HostPolicy(network, policy);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.TypeConversionException(ex.getMessage());
            }
        }
    }

    /**
     * Parses {@code gap-forward} and {@code stop-tracking} (or their enum names).
     */
    static final class MemcapPolicyConverter implements CommandLine.ITypeConverter<MemcapPolicy>
    {
        @Override
        public MemcapPolicy convert(final String value)
        {
            try
            {
                return MemcapPolicy.valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.TypeConversionException(
                    "unknown memcap policy '" + value + "': expected gap-forward or stop-tracking");
            }
        }
    }

    /**
     * Parses a byte count with an optional binary suffix: {@code 65536}, {@code 64k}, {@code 64m}, {@code 2g}.
     */
    static final class ByteSizeConverter implements CommandLine.ITypeConverter<Long>
    {
        @Override
        public Long convert(final String value)
        {
            final String text = value.trim().toLowerCase(Locale.ROOT);
            final char last = text.isEmpty() ? ' ' : text.charAt(text.length() - 1);
            final int shift = last == 'k' ? 10 : last == 'm' ? 20 : last == 'g' ? 30 : 0;
            final String digits = shift == 0 ? text : text.substring(0, text.length() - 1);
            try
            {
                final long number = Long.parseLong(digits);
                if (number < 0 || number > (Long.MAX_VALUE >> shift))
                {
                    throw new NumberFormatException();
                }
                return number << shift;
            }
            catch (final NumberFormatException ex)
            {
                throw new CommandLine.TypeConversionException(
                    "not a byte count: '" + value + "' (a number, optionally followed by k, m or g)");
            }
        }
    }
}
