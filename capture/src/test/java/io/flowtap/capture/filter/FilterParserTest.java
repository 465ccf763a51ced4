package io.flowtap.capture.filter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The language: every primitive and qualifier, precedence, and a one-line message with a column for every mistake.
 * {@link FlowFilter#toString()} prints how an expression was understood, fully parenthesised.
 */
class FilterParserTest
{
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        "host 10.0.0.1                      ; host 10.0.0.1",
        "src host fd00::1                   ; src host fd00::1",
        "dst host 10.0.0.2                  ; dst host 10.0.0.2",
        "src or dst host 10.0.0.2           ; host 10.0.0.2",
        "src and dst host ::ffff:10.0.0.2   ; src and dst host ::ffff:10.0.0.2",
        "dst or src host 10.0.0.2           ; host 10.0.0.2",
        "net 10.0.0.0/8                     ; net 10.0.0.0/8",
        "src net fd00::/8                   ; src net fd00::/8",
        "dst net 10.1.0.0 mask 255.255.0.0  ; dst net 10.1.0.0 mask 255.255.0.0",
        "net 10.1.2.3                       ; net 10.1.2.3/32",
        "net 0.0.0.0/0                      ; net 0.0.0.0/0",
        "net fd00:0:0:1::/64                ; net fd00:0:0:1::/64",
        "port 80                            ; port 80",
        "src port 0                         ; src port 0",
        "dst port 65535                     ; dst port 65535",
        "portrange 1000-2000                ; portrange 1000-2000",
        "src portrange 2000-1000            ; src portrange 1000-2000",
        "dst portrange 22-22                ; dst portrange 22-22",
        "tcp                                ; tcp",
        "ip                                 ; ip",
        "ip6                                ; ip6",
        "vlan                               ; vlan",
        "vlan 100                           ; vlan 100",
        "vlan 0                             ; vlan 0",
        "tcp dst port 80                    ; dst port 80",
        "ip host 10.0.0.1                   ; (ip and host 10.0.0.1)",
        "ip6 src net fd00::/16              ; (ip6 and src net fd00::/16)",
        "10.0.0.1                           ; host 10.0.0.1",
        "10.0.0.0/8                         ; net 10.0.0.0/8",
        "fd00::1                            ; host fd00::1",
        "src 10.0.0.1                       ; src host 10.0.0.1",
        "dst fd00::/8                       ; dst net fd00::/8",
        "port 80 or 443                     ; (port 80 or port 443)",
        "dst port 80 or 443 or 8080         ; ((dst port 80 or dst port 443) or dst port 8080)",
        "tcp dst port 80 and not 443        ; (dst port 80 and not dst port 443)",
        "ip src host 10.0.0.1 or 10.0.0.2   ; ((ip and src host 10.0.0.1) or (ip and src host 10.0.0.2))",
        "HOST 10.0.0.1 AND Port 80          ; (host 10.0.0.1 and port 80)",
        "host FD00::A                       ; host fd00::a",
    })
    void shouldParseEveryPrimitive(final String expression, final String understood)
    {
        assertEquals(understood, FlowFilter.parse(expression).toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        "port 1 or port 2 and port 3          ; (port 1 or (port 2 and port 3))",
        "port 1 and port 2 or port 3          ; ((port 1 and port 2) or port 3)",
        "port 1 or port 2 or port 3           ; ((port 1 or port 2) or port 3)",
        "port 1 and port 2 and port 3         ; ((port 1 and port 2) and port 3)",
        "not port 1 and port 2                ; (not port 1 and port 2)",
        "not port 1 or port 2                 ; (not port 1 or port 2)",
        "! port 1 || port 2 && ! port 3       ; (not port 1 or (port 2 and not port 3))",
        "not (port 1 or port 2)               ; not (port 1 or port 2)",
        "not not port 1                       ; not not port 1",
        "(port 1 or port 2) and port 3        ; ((port 1 or port 2) and port 3)",
        "((port 1))                           ; port 1",
        "port 1&&port 2||!port 3              ; ((port 1 and port 2) or not port 3)",
    })
    void shouldBindNotTighterThanAndTighterThanOr(final String expression, final String understood)
    {
        assertEquals(understood, FlowFilter.parse(expression).toString());
    }

    @Test
    void shouldMatchEverySegmentWhenEmptyOrBlank()
    {
        assertTrue(FlowFilter.parse("").matchesEverything());
        assertTrue(FlowFilter.parse(" \t ").matchesEverything());
        assertTrue(FlowFilter.parse(null).matchesEverything());
        assertTrue(FlowFilter.parse("tcp").matchesEverything());
        assertTrue(FlowFilter.parse("tcp or port 80").matchesEverything());
        assertTrue(FlowFilter.matchAll().matchesEverything());
    }

    /** PRIMITIVE stands for the list of what may start a primitive. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', quoteCharacter = '`', value = {
        "dst port http                  ; 10 ; expected a port number, found 'http'",
        "port 70000                     ; 6  ; expected a port number from 0 to 65535, found '70000'",
        "port                           ; 5  ; expected a port number, found the end of the filter",
        "port -1                        ; 6  ; expected a port number, found '-1'",
        "host 10.0.0.256                ; 6  ; expected an IPv4 or IPv6 address, found '10.0.0.256'",
        "host fd00::1::2                ; 6  ; expected an IPv4 or IPv6 address, found 'fd00::1::2'",
        "host 10.0.0.0/8                ; 6  ; expected an IPv4 or IPv6 address, found '10.0.0.0/8'",
        "host www.example.com           ; 6  ; expected an IPv4 or IPv6 address, found 'www.example.com'",
        "net 10.0.0.1/8 ; 5 ; expected a network with no address bits set outside its mask, found '10.0.0.1/8'",
        "net fd00::1/64 ; 5 ; expected a network with no address bits set past its /64 prefix, found 'fd00::1/64'",
        "net 10.0.0.0/33 ; 5 ; expected a prefix length from 0 to 32 after the '/', found '10.0.0.0/33'",
        "net 10.0.0.0 mask 255.0.0.x    ; 19 ; expected an IPv4 mask such as 255.255.0.0, found '255.0.0.x'",
        "net ten                        ; 5  ; expected a network such as 10.0.0.0/8 or fd00::/8, found 'ten'",
        "portrange 10 ; 11 ; expected a port range such as 1024-65535, each port from 0 to 65535, found '10'",
        "vlan 5000                      ; 6  ; expected a VLAN id from 0 to 4095, found '5000'",
        "port 80 and                    ; 12 ; `expected PRIMITIVE, found the end of the filter`",
        "port 80 or http                ; 12 ; `expected PRIMITIVE, found 'http'`",
        "ether host 1                   ; 1  ; `expected PRIMITIVE, found 'ether'`",
        "(port 80 ; 9 ; expected 'and', 'or' or ')' to close the '(' at column 1, found the end of the filter",
        "port 80)                       ; 8  ; expected 'and', 'or' or the end of the filter, found ')'",
        "tcp port 80 udp                ; 13 ; expected 'and', 'or' or the end of the filter, found 'udp'",
        "port 80 & port 81              ; 9  ; expected '&&', found '&' alone",
        "port 80 | port 81              ; 9  ; expected '||', found '|' alone",
        "port 80 = 1                    ; 9  ; unexpected character '='",
        "src foo                        ; 5  ; expected host, net, port or portrange, found 'foo'",
        "src                            ; 4  ; expected host, net, port or portrange, found the end of the filter",
        "not                            ; 4  ; `expected PRIMITIVE, found the end of the filter`",
        "port 80 or 10.0.0.1            ; 12 ; expected a port number, found '10.0.0.1'",
    })
    void shouldSayWhatWasExpectedAndWhere(final String expression, final int column, final String problem)
    {
        final FilterSyntaxException ex = assertThrows(FilterSyntaxException.class, () -> FlowFilter.parse(expression));
        final String expected = problem.replace("PRIMITIVE", "a filter primitive (host, net, port, portrange, src, " +
            "dst, tcp, ip, ip6, vlan, vxlan, geneve, gre, erspan), 'not' or '('");
        assertEquals("bad filter at column " + column + ": " + expected + " in \"" + expression + "\"",
            ex.getMessage());
        assertEquals(column, ex.column());
        assertEquals(expression, ex.expression());
        assertInstanceOf(IllegalArgumentException.class, ex);
        assertTrue(ex.getMessage().indexOf('\n') < 0, "one line");
    }

    @Test
    void shouldParseDeepNestingWithoutRecursion()
    {
        final int depth = 20_000;
        final String nested = "(".repeat(depth) + "port 80" + ")".repeat(depth);
        final FlowFilter filter = FlowFilter.parse(nested);
        assertEquals("port 80", filter.toString());
        assertTrue(filter.matches(4, 0, 1, 80, 0, 2, 1, FlowFilter.NO_VLAN));

        // Alternating operators nest the tree itself as deep as the expression: (a or (b and (a or ...))).
        final StringBuilder alternating = new StringBuilder();
        for (int i = 0; i < 5000; i++)
        {
            alternating.append("(port ").append(i).append(i % 2 == 0 ? " or " : " and ");
        }
        alternating.append("port 65535").append(")".repeat(5000));
        final FlowFilter deep = FlowFilter.parse(alternating.toString());
        assertTrue(deep.matches(4, 0, 1, 0, 0, 2, 7, FlowFilter.NO_VLAN));
        assertTrue(deep.toString().startsWith("(port 0 or (port 1 and (port 2 or "));
        // 10,000 tests are more than the kernel's program takes: userspace filters, behind a tcp-only program.
        assertNull(deep.toBpfIfItFits());
    }

    @Test
    void shouldParseThirtyThousandNots()
    {
        final FlowFilter even = FlowFilter.parse("not ".repeat(30_000) + "port 80");
        assertTrue(even.matches(4, 0, 1, 80, 0, 2, 1, FlowFilter.NO_VLAN));
        final FlowFilter odd = FlowFilter.parse("not ".repeat(30_001) + "port 80");
        assertFalse(odd.matches(4, 0, 1, 80, 0, 2, 1, FlowFilter.NO_VLAN));
        assertTrue(odd.toString().startsWith("not not not "));
    }

    @Test
    void shouldEvaluateABlocklistOfSixThousandHostsAsASetAndLeaveItToUserspace()
    {
        final StringBuilder expression = new StringBuilder();
        for (int i = 0; i < 6000; i++)
        {
            expression.append(i == 0 ? "" : " or ").append("host 10.").append(i / 250).append('.')
                .append(i % 250).append(".1");
        }
        final FlowFilter filter = FlowFilter.parse(expression.toString());
        // Two set lookups (source, destination), not 12,000 tests.
        assertEquals(2, filter.program().length());
        assertTrue(filter.matches(4, 0, 0x0A_05_07_01L, 1, 0, 0x0B_00_00_01L, 2, FlowFilter.NO_VLAN));
        assertTrue(filter.matches(4, 0, 0x0B_00_00_01L, 1, 0, 0x0A_17_0F_01L, 2, FlowFilter.NO_VLAN));
        assertFalse(filter.matches(4, 0, 0x0A_05_07_02L, 1, 0, 0x0B_00_00_01L, 2, FlowFilter.NO_VLAN));
        // Too large for the kernel's 4096 instructions: the caller filters in userspace instead.
        assertNull(filter.toBpfIfItFits());
        assertThrows(FilterSyntaxException.class, filter::toBpf);
    }

    @Test
    void shouldQuoteOnlyThePartOfALongExpressionAroundTheProblem()
    {
        final String expression = "port 1 or ".repeat(2000) + "port http";
        final FilterSyntaxException ex = assertThrows(FilterSyntaxException.class, () -> FlowFilter.parse(expression));
        assertTrue(ex.getMessage().length() < 300, ex.getMessage());
        assertTrue(ex.getMessage().contains("found 'http' in \"..."), ex.getMessage());
        assertTrue(ex.getMessage().endsWith(" or port 1 or port http\""), ex.getMessage());
        assertEquals(expression, ex.expression());
    }
}
