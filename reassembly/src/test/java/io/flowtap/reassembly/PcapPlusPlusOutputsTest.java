package io.flowtap.reassembly;

import io.flowtap.reassembly.test.Recorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;

import static io.flowtap.reassembly.test.Recorder.bundled;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PcapPlusPlus' expected reassembly outputs: every data chunk its {@code TcpReassembly} hands over, appended in
 * callback order, both directions interleaved. flowtap's {@code immediate} delivery must produce the same bytes in the
 * same order.
 */
class PcapPlusPlusOutputsTest
{
    @ParameterizedTest
    @ValueSource(strings = {"pcapplusplus__one_tcp_stream.pcap", "pcapplusplus__one_tcp_stream_max_seq.pcap"})
    void oneTcpStreamIncludingTheOneThatWrapsPastTwoToThe32(final String capture) throws IOException
    {
        final Recorder recorder = Recorder.replay(bundled(capture), new EngineContext());

        assertArrayEquals(
            Files.readAllBytes(bundled("pcapplusplus__one_tcp_stream_output.txt")), recorder.all.toByteArray());
        assertEquals(1, recorder.flows.size());
        final Recorder.FlowLog flow = recorder.list().get(0);
        assertEquals(9948, flow.bytes[Direction.TO_SERVER].size());
        assertEquals(12444, flow.bytes[Direction.TO_CLIENT].size());
        assertEquals(java.util.List.of(), flow.events);
    }

    @ParameterizedTest
    @ValueSource(strings = {"one_http_stream_fin", "one_http_stream_rst"})
    void oneHttpStream(final String name) throws IOException
    {
        final Recorder recorder = Recorder.replay(bundled("pcapplusplus__" + name + ".pcap"), new EngineContext());

        assertArrayEquals(
            Files.readAllBytes(bundled("pcapplusplus__" + name + "_output.txt")), recorder.all.toByteArray());
    }

    @Test
    void threeHttpStreamsEachWithItsOwnOutput() throws IOException
    {
        final Recorder recorder =
            Recorder.replay(bundled("pcapplusplus__three_http_streams.pcap"), new EngineContext());

        assertEquals(3, recorder.flows.size());
        final java.util.Set<String> produced = new java.util.HashSet<>();
        for (final Recorder.FlowLog flow : recorder.list())
        {
            produced.add(flow.interleaved.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        for (int i = 1; i <= 3; i++)
        {
            final String expected = new String(
                Files.readAllBytes(bundled("pcapplusplus__three_http_streams_conn_" + i + "_output.txt")),
                java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(produced.contains(expected), "connection " + i + " reassembled byte for byte");
        }
    }

    @Test
    void ipv6HttpStream() throws IOException
    {
        final Recorder recorder =
            Recorder.replay(bundled("pcapplusplus__one_ipv6_http_stream.pcap"), new EngineContext());

        assertArrayEquals(
            Files.readAllBytes(bundled("pcapplusplus__one_ipv6_http_stream.txt")), recorder.all.toByteArray());
    }
}
