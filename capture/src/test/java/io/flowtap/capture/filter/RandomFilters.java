package io.flowtap.capture.filter;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

import java.util.Random;

/**
 * Random filter expressions over the same small pools of addresses, networks, ports and VLAN ids that
 * {@link RandomPackets} draws from, so that they match some packets and not others. Every primitive and
 * qualifier appears, spelled in its different ways, nested up to three deep.
 */
final class RandomFilters
{
    private static final String[] NETWORKS4 = {
        "10.0.0.0/8", "10.1.0.0/16", "10.0.0.0/24", "10.1.2.3/32", "0.0.0.0/0", "10.0.0.0 mask 255.255.0.0",
        "10.1.0.0 mask 255.255.0.255"};
    private static final String[] NETWORKS6 = {"fd00::/8", "fd00::/16", "fd00:0:0:1::/64", "fd00::1/128", "::/0",
        "fd00:1::/32", "fd00::/100"};
    private static final String[] RANGES = {"0-1023", "1024-65535", "1000-2000", "80-80", "2000-1000", "0-65535"};
    private static final String[] DIRECTIONS = {"", "", "src ", "dst ", "src or dst ", "src and dst "};
    private static final String[] PROTOCOLS = {"", "", "", "tcp ", "ip ", "ip6 "};

    private RandomFilters()
    {
    }

    /**
     * @return random expressions.
     */
    static Arbitrary<String> expressions()
    {
        return Arbitraries.randomValue((random) -> expression(random, 3));
    }

    /**
     * @param random to draw from.
     * @param depth  of nesting left.
     * @return an expression.
     */
    static String expression(final Random random, final int depth)
    {
        final int choice = depth == 0 ? 0 : random.nextInt(10);
        if (choice < 4)
        {
            return primitive(random);
        }
        if (choice < 5)
        {
            return (random.nextBoolean() ? "not " : "! ") + operand(random, depth - 1);
        }
        final String[] operators = {" and ", " or ", " && ", " || ", " AND ", " or "};
        return operand(random, depth - 1) + operators[random.nextInt(operators.length)] + operand(random, depth - 1);
    }

    private static String operand(final Random random, final int depth)
    {
        final String inner = expression(random, depth);
        return random.nextInt(3) == 0 ? inner : "(" + inner + ")";
    }

    /**
     * @param random to draw from.
     * @return one primitive, possibly qualified.
     */
    static String primitive(final Random random)
    {
        final String direction = DIRECTIONS[random.nextInt(DIRECTIONS.length)];
        switch (random.nextInt(12))
        {
            case 0:
                return PROTOCOLS[random.nextInt(PROTOCOLS.length)] + direction + "host " + pick(random,
                    RandomPackets.IPV4_POOL);
            case 1:
                return PROTOCOLS[random.nextInt(PROTOCOLS.length)] + direction + "host " + pick(random,
                    RandomPackets.IPV6_POOL);
            case 2:
                return direction + "net " + pick(random, NETWORKS4);
            case 3:
                return direction + "net " + pick(random, NETWORKS6);
            case 4:
            case 5:
                return PROTOCOLS[random.nextInt(PROTOCOLS.length)] + direction + "port " +
                    RandomPackets.PORT_POOL[random.nextInt(RandomPackets.PORT_POOL.length)];
            case 6:
                return direction + "portrange " + pick(random, RANGES);
            case 7:
                return random.nextBoolean() ? "vlan" :
                    "vlan " + RandomPackets.VLAN_POOL[random.nextInt(RandomPackets.VLAN_POOL.length)];
            case 8:
                return pick(random, new String[] {"tcp", "ip", "ip6"});
            case 9:
                // A bare value repeats the qualifiers before it.
                return direction + "port " + RandomPackets.PORT_POOL[random.nextInt(RandomPackets.PORT_POOL.length)] +
                    " or " + RandomPackets.PORT_POOL[random.nextInt(RandomPackets.PORT_POOL.length)];
            case 10:
                // A bare value after a direction is a host; alone it would repeat the previous primitive's kind.
                return (random.nextBoolean() ? "src " : "dst ") + pick(random, RandomPackets.IPV4_POOL);
            default:
                return (random.nextBoolean() ? "src " : "dst ") + pick(random, RandomPackets.IPV6_POOL);
        }
    }

    private static String pick(final Random random, final String[] values)
    {
        return values[random.nextInt(values.length)];
    }
}
