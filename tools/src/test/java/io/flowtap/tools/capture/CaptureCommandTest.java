package io.flowtap.tools.capture;

import io.flowtap.tools.ExitCodes;
import io.flowtap.tools.Flowtap;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code flowtap capture} decides before it opens a socket: help, and command lines it refuses. The capture
 * itself is tested live, through the launcher, in {@link CaptureLauncherIT}.
 */
class CaptureCommandTest
{
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final String... args)
    {
        final CommandLine commandLine = Flowtap.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void shouldOfferHelpWithExamplesAndExitCodes()
    {
        assertEquals(ExitCodes.OK, run("capture", "--help"));

        final String help = out.toString();
        assertTrue(help.contains("Examples:"), help);
        assertTrue(help.contains("  flowtap capture -i eth0"), help);
        assertTrue(help.contains("Exit codes:"), help);
        assertTrue(help.contains("0   success, including a stop by Ctrl-C or SIGTERM"), help);
        for (final String option : new String[]{"--block-size", "--blocks", "--block-timeout-ms", "--promisc",
            "--fanout-group", "--count", "--duration", "--stats-interval", "--json", "--filter",
            "Filter expressions (--filter):", "  flowtap capture -i eth0 --filter 'dst port 443 and net 10.0.0.0/8'"})
        {
            assertTrue(help.contains(option), option);
        }
    }

    @Test
    void shouldRefuseACommandLineWithoutAnInterface()
    {
        assertEquals(ExitCodes.USAGE, run("capture"));
        assertTrue(err.toString().startsWith("Missing required option: '--interface=IFACE'"), err.toString());
    }

    @Test
    void shouldRefuseCountsAndDurationsThatMeanNothing()
    {
        assertEquals(ExitCodes.USAGE, run("capture", "-i", "lo", "--count", "0"));
        assertTrue(err.toString().startsWith("--count must be from 1 to 9223372036854775807, not 0"), err.toString());
        assertEquals(ExitCodes.USAGE, run("capture", "-i", "lo", "--duration", "-1"));
        assertEquals(ExitCodes.USAGE, run("capture", "-i", "lo", "--stats-interval", "-5"));
    }

    @Test
    void shouldRefuseABadFilterInOneLineBeforeOpeningASocket()
    {
        assertEquals(ExitCodes.USAGE, run("capture", "-i", "nosuchif0", "--filter", "port 80 and"));
        assertEquals("flowtap capture: bad filter at column 12: expected a filter primitive (host, net, port, " +
            "portrange, src, dst, tcp, ip, ip6, vlan, vxlan, geneve, gre, erspan), 'not' or '(', found the end of " +
            "the filter in \"port 80 and\"" + System.lineSeparator(), err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void shouldRefuseARingGeometryBeforeTheKernelSeesIt()
    {
        assertEquals(ExitCodes.USAGE, run("capture", "-i", "lo", "--block-size", "1000"));
        assertTrue(err.toString().startsWith("block size 1000 must be a power of two"), err.toString());
        assertEquals(ExitCodes.USAGE, run("capture", "-i", "lo", "--fanout-group", "70000"));
        assertTrue(err.toString().contains("--fanout-group must be from 0 to 65535, not 70000"), err.toString());
    }
}
