package io.flowtap.pipeline;

import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.filter.FlowFilter;
import io.flowtap.pipeline.shard.DispatchCounter;
import io.flowtap.pipeline.worker.WorkerCounter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The capture filter has one place in userspace, the poller's Dispatcher after the frame's one decode, whatever put it
 * there: the kernel's program passing on whole what it cannot read (a tunnel, IP fragments), or a filter too large
 * for the kernel (a blocklist, here with a tunnel primitive beside it). It sees the inner packet and the reassembled
 * datagram, and what it rejects is counted as {@link DispatchCounter#FILTERED_OUT} in the one accounting rule.
 */
class CaptureFilterAfterDecodingTest
{
    private static final Path BUNDLED = Paths.get("..", "reassembly", "src", "test", "resources", "pcap");
    private static final String VXLAN = "suricata-verify__vxlan-decoder-03__vxlan.pcap";
    private static final String FRAGMENTS = "pcapplusplus__frag_http_req.pcap";
    /** Twenty hosts, none of this capture's: more than enough alternatives to be a set lookup. */
    private static final String OTHER_HOSTS = blocklist("10.9.9.");
    /** The same, with the VXLAN capture's inner client among them. */
    private static final String WITH_CLIENT = OTHER_HOSTS + " or host 172.31.0.238";

    @ParameterizedTest(name = "{1} on {0}: all kept {2}")
    @CsvSource(delimiter = '|', value = {
        // SSH inside VNI 5569041: the inner ports and the tunnel's id are what the filter sees.
        VXLAN + "|vxlan 5569041 and port 22|true",
        VXLAN + "|vxlan|true",
        VXLAN + "|gre or geneve|false",
        VXLAN + "|vxlan 7|false",
        VXLAN + "|port 4789|false",
        // A blocklist beside a tunnel primitive: sets and the tunnel test in one program.
        VXLAN + "|vxlan 5569041 and not (" + "BLOCKLIST" + ")|true",
        VXLAN + "|vxlan 5569041 and not (" + "BLOCKLIST_WITH_CLIENT" + ")|false",
        // One HTTP request in ten IPv4 fragments: the filter sees the reassembled segment's ports.
        FRAGMENTS + "|tcp dst port 80|true",
        FRAGMENTS + "|tcp dst port 81|false",
    })
    void shouldFilterTheDecodedSegmentCountingWhatItRejects(
        final String capture, final String expression, final boolean allKept)
    {
        final FlowFilter filter = FlowFilter.parse(expression.replace("BLOCKLIST_WITH_CLIENT", WITH_CLIENT)
            .replace("BLOCKLIST", OTHER_HOSTS));
        final Pipeline pipeline = Pipeline.file(new PipelineContext()
            .workers(2)
            .threadingMode(ThreadingMode.INVOKER)
            .filter(filter), BUNDLED.resolve(capture));
        assertTrue(pipeline.awaitInputFinished(TimeUnit.SECONDS.toNanos(60)));
        pipeline.close();

        assertNull(pipeline.accountingError(), pipeline::counterSummary);
        final long segments = pipeline.total(DecodeCounter.TCP_SEGMENT);
        assertTrue(segments > 0, pipeline::counterSummary);
        assertEquals(allKept ? 0 : segments, pipeline.total(DispatchCounter.FILTERED_OUT), pipeline::counterSummary);
        assertEquals(allKept ? segments : 0, pipeline.total(DispatchCounter.SEGMENTS), pipeline::counterSummary);
        assertEquals(allKept ? segments : 0, pipeline.total(WorkerCounter.SEGMENTS), pipeline::counterSummary);
    }

    private static String blocklist(final String prefix)
    {
        final StringBuilder hosts = new StringBuilder();
        for (int i = 1; i <= 20; i++)
        {
            hosts.append(i == 1 ? "" : " or ").append("host ").append(prefix).append(i);
        }
        return hosts.toString();
    }
}
