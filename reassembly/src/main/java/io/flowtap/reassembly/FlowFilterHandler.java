package io.flowtap.reassembly;

import io.flowtap.capture.filter.FlowFilter;

/**
 * The built-in filter handler: votes on each new flow with a flow filter expression
 * ({@code net 192.168.10.0/25 and dst port 80}, {@code host}, {@code port}, {@code tcp}, {@code ip6},
 * {@code and/or/not}), as the rules of Haka's firewall example match a new connection's client and server. The flow
 * is evaluated as its client talking to its server: {@code src} is the client, {@code dst} the server.
 * <p>
 * A flow that does not match is not reassembled, unless another handler votes for it (Trisul's rule: reassembled
 * unless every handler that votes, votes no; handlers without an opinion abstain). The expression is checked when
 * the handler is made: a bad one is a {@link io.flowtap.capture.filter.FilterSyntaxException} whose message names the
 * column and what was expected.
 */
public final class FlowFilterHandler implements TcpHandler
{
    private final FlowFilter filter;
    private long matched;
    private long rejected;

    /**
     * @param expression in the flow filter language; blank matches every flow.
     * @throws io.flowtap.capture.filter.FilterSyntaxException for a bad expression.
     */
    public FlowFilterHandler(final String expression)
    {
        this(FlowFilter.parse(expression));
    }

    /**
     * @param filter already parsed.
     */
    public FlowFilterHandler(final FlowFilter filter)
    {
        this.filter = filter;
    }

    @Override
    public int filter(final Flow flow)
    {
        if (matches(flow))
        {
            matched++;
            return VOTE_YES;
        }
        rejected++;
        return VOTE_NO;
    }

    /**
     * @param flow a flow.
     * @return whether the expression matches it, client to server.
     */
    public boolean matches(final Flow flow)
    {
        return filter.matchesEverything() || filter.matches(
            flow.ipVersion(),
            flow.clientAddressHigh(),
            flow.clientAddressLow(),
            flow.clientPort(),
            flow.serverAddressHigh(),
            flow.serverAddressLow(),
            flow.serverPort(),
            flow.vlan(),
            flow.tunnelType(),
            flow.tunnelId());
    }

    /**
     * @return the filter.
     */
    public FlowFilter flowFilter()
    {
        return filter;
    }

    /**
     * @return flows that matched.
     */
    public long matched()
    {
        return matched;
    }

    /**
     * @return flows that did not.
     */
    public long rejected()
    {
        return rejected;
    }
}
