package io.flowtap.reassembly;

import io.flowtap.capture.filter.FlowFilter;

import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The built-in rule handler, in the style of Haka's firewall example: a list of rules, each a flow filter expression
 * and an action, checked in order against each connection once its handshake completes (or when it is picked up
 * midstream); the first that matches acts on it and says why in one line. {@link Action#RESET} resets the connection
 * ({@link Flow#reset()}: a RST to both ends when the engine has a responder), {@link Action#DROP} drops it
 * ({@link Flow#drop()}: its later packets ignored, nothing sent).
 * <p>
 * Rules are written {@code ACTION[ NAME]: EXPRESSION}, such as {@code reset: tcp port 8080} or
 * {@code drop no-telnet: dst port 23}; the expression is the flow filter language ({@code host}, {@code net},
 * {@code port}, {@code src}/{@code dst} meaning client/server, {@code and}/{@code or}/{@code not}).
 * <p>
 * Acting once the handshake is complete means both ends hold a connection the RSTs can reset (a RST to a half-open
 * connection only reaches the client); matching is on the 5-tuple alone, so it costs nothing per packet after that.
 * Owned by the engine's thread; the log consumer is called from it (cold path: it allocates).
 */
public final class FlowRuleHandler implements TcpHandler
{
    /** What a rule does to a connection it matches. */
    public enum Action
    {
        /** Send a RST to both ends and ignore the rest of the connection. */
        RESET,
        /** Ignore the rest of the connection without sending anything. */
        DROP
    }

    /**
     * One rule.
     *
     * @param name       for the log line.
     * @param action     what it does.
     * @param filter     which connections it matches, client to server.
     * @param expression the filter as written.
     */
    public record Rule(String name, Action action, FlowFilter filter, String expression)
    {
        /**
         * @param text  {@code ACTION[ NAME]: EXPRESSION}.
         * @param index of the rule in its list, from 1, for its default name.
         * @return the rule.
         * @throws IllegalArgumentException naming what is wrong with it (a bad expression included).
         */
        public static Rule parse(final String text, final int index)
        {
            final int colon = text.indexOf(':');
            if (colon < 0)
            {
                throw new IllegalArgumentException(
                    "rule '" + text + "': expected ACTION[ NAME]: EXPRESSION, e.g. 'reset: tcp port 8080'");
            }
            final String[] head = text.substring(0, colon).trim().split("\\s+", 2);
            final Action action;
            try
            {
                action = Action.valueOf(head[0].toUpperCase(Locale.ROOT));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException(
                    "rule '" + text + "': unknown action '" + head[0] + "', expected reset or drop", ex);
            }
            final String name = head.length > 1 ? head[1].trim() : "rule " + index;
            final String expression = text.substring(colon + 1).trim();
            try
            {
                return new Rule(name, action, FlowFilter.parse(expression), expression);
            }
            catch (final RuntimeException ex)
            {
                throw new IllegalArgumentException("rule '" + text + "': " + ex.getMessage(), ex);
            }
        }
    }

    private final Rule[] rules;
    private final long[] hits;
    private final Consumer<String> log;

    /**
     * @param rules checked in order; the first match acts.
     * @param log   receives one line per connection a rule acted on.
     */
    public FlowRuleHandler(final List<Rule> rules, final Consumer<String> log)
    {
        this.rules = rules.toArray(new Rule[0]);
        this.hits = new long[this.rules.length];
        this.log = log;
    }

    @Override
    public void onEstablished(final Flow flow, final long timeNs)
    {
        for (int i = 0; i < rules.length; i++)
        {
            final Rule rule = rules[i];
            if (matches(rule.filter(), flow))
            {
                hits[i]++;
                log.accept("rule '" + rule.name() + "' " + rule.action().name().toLowerCase(Locale.ROOT) + " " +
                    flow + ": matches '" + rule.expression() + "'");
                if (rule.action() == Action.RESET)
                {
                    flow.reset();
                }
                else
                {
                    flow.drop();
                }
                return;
            }
        }
    }

    /**
     * @param index of a rule.
     * @return connections it acted on.
     */
    public long hits(final int index)
    {
        return hits[index];
    }

    private static boolean matches(final FlowFilter filter, final Flow flow)
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
}
