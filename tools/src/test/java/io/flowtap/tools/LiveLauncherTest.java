package io.flowtap.tools;

import io.flowtap.capture.ring.LiveNetwork;
import io.flowtap.capture.ring.VethPair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * What a test of the packaged launcher on a live interface needs: its processes, a veth pair the test makes, and both
 * cleaned up after each test. Skips without root or {@code ip} unless {@value LiveNetwork#REQUIRE_ENV} is set.
 */
public abstract class LiveLauncherTest
{
    /** For the processes' output and whatever the test writes. */
    @TempDir
    protected Path tempDir;

    /** Runs the launcher. */
    protected LauncherProcesses launcher;

    /** The test's veth pair, closed after the test if it made one. */
    protected VethPair veth;

    @BeforeEach
    void requireLiveNetwork()
    {
        LiveNetwork.require();
        launcher = new LauncherProcesses(tempDir);
    }

    @AfterEach
    void cleanUp()
    {
        if (launcher != null)
        {
            launcher.close();
        }
        if (veth != null)
        {
            veth.close();
        }
    }
}
