package io.flowtap.tools.options;

import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.DecoderContext;
import io.flowtap.capture.codec.FragmentPolicy;
import io.flowtap.reassembly.HostPolicies;
import io.flowtap.reassembly.OverlapPolicy;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * How frames are decoded as sensors receive them, as command-line options shared by every command that decodes
 * ({@code inspect}, {@code streams}, {@code flows}, {@code capture}, {@code read}): which UDP ports carry VXLAN and
 * Geneve, how deep tunnels are opened, IP fragment reassembly, and SPAN duplicate suppression. Each option maps to
 * one {@link DecoderContext} setting, with the decoder's own default.
 */
public final class DecoderOptions
{
    @Option(names = "--vxlan-ports", paramLabel = "LIST", split = ",",
        description = "UDP destination ports that carry VXLAN (default: 4789)")
    private int[] vxlanPorts = {DecoderContext.VXLAN_PORT_DEFAULT};

    @Option(names = "--geneve-ports", paramLabel = "LIST", split = ",",
        description = "UDP destination ports that carry Geneve (default: 6081)")
    private int[] genevePorts = {DecoderContext.GENEVE_PORT_DEFAULT};

    @Option(names = "--tunnel-depth", paramLabel = "N",
        description = "tunnels opened one inside the other (VXLAN, Geneve, GRE, ERSPAN, IP in IP, MPLS, PPPoE, GTP-U, "
            + "Teredo, AYIYA), 0 to open none; a frame nested deeper counts as a tunnel not opened (default: "
            + "${DEFAULT-VALUE})")
    private int tunnelDepth = DecoderContext.TUNNEL_DEPTH_DEFAULT;

    @Option(names = "--no-defrag", description = "do not reassemble IP fragments (each is counted and dropped)")
    private boolean noDefrag;

    @Option(names = "--defrag-policy", paramLabel = "NAME", converter = FragmentPolicyConverter.class,
        description = "which bytes win where fragments of a datagram overlap with different ones: first, last, bsd, "
            + "linux, windows, solaris; a --host-policy network's policy applies to datagrams for its hosts "
            + "(default: bsd)")
    private FragmentPolicy defragPolicy = FragmentPolicy.BSD;

    @Option(names = "--defrag-memcap", paramLabel = "BYTES", converter = EngineOptions.ByteSizeConverter.class,
        description = "bytes of fragments held over every datagram being reassembled; the oldest datagrams are given "
            + "up for room (default: 16m)")
    private long defragMemcapBytes = DecoderContext.DEFRAG_MEMCAP_BYTES_DEFAULT;

    @Option(names = "--defrag-datagram-memcap", paramLabel = "BYTES",
        converter = EngineOptions.ByteSizeConverter.class,
        description = "bytes one datagram may hold (default: 65535, a whole datagram)")
    private long defragDatagramMemcapBytes = DecoderContext.DEFRAG_DATAGRAM_MEMCAP_BYTES_DEFAULT;

    @Option(names = "--defrag-datagrams", paramLabel = "N",
        description = "datagrams reassembled at once; the oldest is given up for a new one (default: "
            + "${DEFAULT-VALUE})")
    private int defragDatagrams = DecoderContext.DEFRAG_MAX_DATAGRAMS_DEFAULT;

    @Option(names = "--defrag-fragments", paramLabel = "N",
        description = "fragments one datagram may have (default: ${DEFAULT-VALUE})")
    private int defragFragments = DecoderContext.DEFRAG_MAX_FRAGMENTS_DEFAULT;

    @Option(names = "--defrag-timeout", paramLabel = "SECONDS",
        description = "how long a datagram waits for its fragments, on the packets' clock (default: 30)")
    private double defragTimeoutSeconds = TimeUnit.NANOSECONDS.toSeconds(DecoderContext.DEFRAG_TIMEOUT_NS_DEFAULT);

    @Option(names = "--dedup", paramLabel = "WINDOW", converter = DurationConverter.class,
        description = "drop a packet identical to the last one of its flow (IP header less TTL and checksum, and "
            + "everything after it) seen within WINDOW, as a SPAN port's second copy is: 500us, 2ms, 0.01s (a bare "
            + "number is milliseconds); a real retransmission comes later, or after another packet of the flow, "
            + "and is kept (default: off)")
    private long dedupWindowNs;

    /**
     * @return UDP destination ports of VXLAN, as given.
     */
    public int[] vxlanPorts()
    {
        return vxlanPorts.clone();
    }

    /**
     * @return UDP destination ports of Geneve, as given.
     */
    public int[] genevePorts()
    {
        return genevePorts.clone();
    }

    /**
     * The decoder's configuration, concluded.
     *
     * @param commandLine    to report a setting that does not fit to, as a usage error.
     * @param checksumMode   the command's checksum mode.
     * @param hostPolicies   the engine's {@code --host-policy} networks, whose policies apply to fragments for their
     *                       hosts too; empty for none.
     * @return the configuration.
     * @throws CommandLine.ParameterException when the settings do not fit together.
     */
    public DecoderContext context(
        final CommandLine commandLine,
        final ChecksumMode checksumMode,
        final List<EngineOptions.HostPolicy> hostPolicies)
    {
        final DecoderContext context = new DecoderContext()
            .checksumMode(checksumMode)
            .vxlanPorts(vxlanPorts)
            .genevePorts(genevePorts)
            .tunnelDepth(tunnelDepth)
            .defragment(!noDefrag)
            .fragmentPolicy(defragPolicy)
            .defragMemcapBytes(defragMemcapBytes)
            .defragDatagramMemcapBytes((int)Math.min(Integer.MAX_VALUE, defragDatagramMemcapBytes))
            .defragMaxDatagrams(defragDatagrams)
            .defragMaxFragments(defragFragments)
            .defragTimeoutNs((long)(defragTimeoutSeconds * 1e9))
            .dedupWindowNs(dedupWindowNs);
        if (!hostPolicies.isEmpty())
        {
            final HostPolicies targets = new HostPolicies(OverlapPolicy.fromName(defragPolicy.name()));
            for (final EngineOptions.HostPolicy hostPolicy : hostPolicies)
            {
                targets.add(hostPolicy.network(), hostPolicy.policy());
            }
            // By overlap policy, so that a datagram's first fragment looks its target up without allocating.
            final FragmentPolicy[] byOverlapPolicy = new FragmentPolicy[OverlapPolicy.values().length];
            for (final OverlapPolicy policy : OverlapPolicy.values())
            {
                byOverlapPolicy[policy.ordinal()] = FragmentPolicy.fromName(policy.label());
            }
            context.fragmentPolicies((version, high, low) ->
                byOverlapPolicy[targets.policyFor(version, high, low).ordinal()]);
        }
        try
        {
            return context.conclude();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(commandLine, ex.getMessage(), ex);
        }
    }

    /**
     * Parses {@code --defrag-policy}.
     */
    static final class FragmentPolicyConverter implements CommandLine.ITypeConverter<FragmentPolicy>
    {
        @Override
        public FragmentPolicy convert(final String value)
        {
            try
            {
                return FragmentPolicy.fromName(value);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.TypeConversionException(ex.getMessage());
            }
        }
    }

    /**
     * Parses a duration into nanoseconds: a number with a unit of ns, us, ms or s; a bare number is milliseconds.
     */
    public static final class DurationConverter implements CommandLine.ITypeConverter<Long>
    {
        @Override
        public Long convert(final String value)
        {
            final String text = value.trim().toLowerCase(Locale.ROOT);
            long unitNs = TimeUnit.MILLISECONDS.toNanos(1);
            String number = text;
            if (text.endsWith("ns"))
            {
                unitNs = 1;
                number = text.substring(0, text.length() - 2);
            }
            else if (text.endsWith("us") || text.endsWith("µs"))
            {
                unitNs = TimeUnit.MICROSECONDS.toNanos(1);
                number = text.substring(0, text.length() - 2);
            }
            else if (text.endsWith("ms"))
            {
                number = text.substring(0, text.length() - 2);
            }
            else if (text.endsWith("s"))
            {
                unitNs = TimeUnit.SECONDS.toNanos(1);
                number = text.substring(0, text.length() - 1);
            }
            try
            {
                final double amount = Double.parseDouble(number.trim());
                if (!(amount >= 0) || amount * unitNs > Long.MAX_VALUE)
                {
                    throw new NumberFormatException();
                }
                return Math.round(amount * unitNs);
            }
            catch (final NumberFormatException ex)
            {
                throw new CommandLine.TypeConversionException(
                    "not a duration: '" + value + "' (a number with ns, us, ms or s)");
            }
        }
    }
}
