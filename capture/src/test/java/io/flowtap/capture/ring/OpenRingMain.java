package io.flowtap.capture.ring;

import io.flowtap.linux.LinuxException;

/**
 * A child process for live tests: opens a ring on an interface the way a command line would, and on failure prints
 * only the one-line message and exits 2, as {@code flowtap capture} is to do.
 */
public final class OpenRingMain
{
    private OpenRingMain()
    {
    }

    /**
     * @param args the interface name.
     */
    public static void main(final String[] args)
    {
        try (AfPacketRingSource source = AfPacketRingSource.open(
            new AfPacketContext().interfaceName(args[0]).blockSize(1 << 16).blockCount(4)))
        {
            System.out.println("opened " + source.name());
        }
        catch (final LinuxException | IllegalArgumentException ex)
        {
            System.err.println(ex.getMessage());
            System.exit(2);
        }
    }
}
