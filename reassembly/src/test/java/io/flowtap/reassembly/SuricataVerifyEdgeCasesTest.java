package io.flowtap.reassembly;

import io.flowtap.reassembly.test.Recorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static io.flowtap.reassembly.Direction.TO_CLIENT;
import static io.flowtap.reassembly.Direction.TO_SERVER;
import static io.flowtap.reassembly.test.Recorder.bundled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hard cases of the corpus README, each checked against what the suricata-verify test expects (its
 * {@code test.yaml}), from the bundled copies of their captures.
 */
class SuricataVerifyEdgeCasesTest
{
    private static final String OVERLAP = "suricata-verify__eve-overlap-payload-02-policy-oldlinux__tcp-overlap.pcap";
    private static final String PARTIAL = "suricata-verify__eve-overlap-payload-04-partial-overlap__tcp-overlap2.pcap";

    private static Recorder.FlowLog only(final Recorder recorder)
    {
        assertEquals(1, recorder.flows.size(), "flows");
        return recorder.list().get(0);
    }

    @Test
    void sameSequenceConflictKeepsTheFirstBytesUnderTheDefaultPolicy()
    {
        final Recorder.FlowLog flow = only(Recorder.replay(
            bundled(OVERLAP), new EngineContext().deliveryMode(DeliveryMode.ACKED)));

        assertEquals("GOOD", flow.text(TO_SERVER));
        assertEquals(1, flow.conflicts[TO_SERVER]);
        assertEquals(List.of("CONFLICT to_server held 0+4 new 0+4 held kept"), flow.events);
    }

    @Test
    void sameSequenceConflictTakesTheNewBytesWhenTheReceiverIsOldLinux()
    {
        final HostPolicies policies = new HostPolicies(OverlapPolicy.BSD).add("2.2.2.2/32", OverlapPolicy.OLD_LINUX);
        final Recorder.FlowLog flow = only(Recorder.replay(
            bundled(OVERLAP), new EngineContext().deliveryMode(DeliveryMode.ACKED).hostPolicies(policies)));

        assertEquals("EVIL", flow.text(TO_SERVER));
        assertEquals(List.of("CONFLICT to_server held 0+4 new 0+4 new kept"), flow.events);
    }

    @Test
    void immediateDeliveryHandsOverTheFirstVersionAndCountsTheRetransmission()
    {
        final Recorder.FlowLog flow = only(Recorder.replay(bundled(OVERLAP), new EngineContext()));

        assertEquals("GOOD", flow.text(TO_SERVER));
    }

    @ParameterizedTest
    @ValueSource(strings = {"IMMEDIATE", "ACKED"})
    void partialOverlapWithDifferentBytesStaysGood(final String mode)
    {
        final Recorder.FlowLog flow = only(Recorder.replay(
            bundled(PARTIAL), new EngineContext().deliveryMode(DeliveryMode.valueOf(mode))));

        assertEquals("GOOD", flow.text(TO_SERVER));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "suricata-verify__bug-3286-02-linux-evasion__with_evasion_linux.pcap",
        "suricata-verify__bug-3286-03-windows-evasion__with_evasion_windows.pcap"})
    void rstAndFinBeforeTheSynAckDoNotEndTheSession(final String capture)
    {
        final Recorder recorder = Recorder.replay(bundled(capture), new EngineContext());
        final Recorder.FlowLog flow = only(recorder);

        assertTrue(flow.text(TO_SERVER).startsWith("GET / HTTP/1.1"), flow.text(TO_SERVER));
        assertTrue(flow.text(TO_CLIENT).startsWith("HTTP/1.1 200 OK"), flow.text(TO_CLIENT));
        assertTrue(flow.connected);
    }

    @Test
    void rstWhileServerDataHasAHoleStillInspectsTheDataAfterIt()
    {
        final Recorder.FlowLog flow = only(Recorder.replay(
            bundled("suricata-verify__tcp-rst-unacked-stream-03-gap__input.pcap"), new EngineContext()));

        assertTrue(flow.text(TO_CLIENT).contains("Me In"), flow.text(TO_CLIENT));
        assertEquals("Please Me In!", flow.text(TO_CLIENT));
        assertEquals(List.of("GAP to_client 7+4 flow_end"), flow.events, "no gap for ACKed data, one at the end");
        assertEquals("Access Denied", flow.text(TO_SERVER), "data on the RST is kept, as tcpflow and tshark do");
        assertEquals("rst", flow.endReason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"IMMEDIATE", "ACKED"})
    void leadingGapIsReportedThenTheDataFollows(final String mode)
    {
        final Recorder.FlowLog flow = only(Recorder.replay(
            bundled("suricata-verify__eve-payload-06-tcp-data-leading-gap__tcp-leading-gap.pcap"),
            new EngineContext().deliveryMode(DeliveryMode.valueOf(mode))));

        assertEquals("GOODDATA", flow.text(TO_SERVER));
        assertEquals(List.of("GAP to_server 0+4 acked"), flow.events);
        assertEquals(4, flow.gapBytes[TO_SERVER]);
    }

    @Test
    void urgentByteIsTakenOutOfBandUnderPolicyOob()
    {
        final String capture = "suricata-verify__tcp-urgp-04-2byte-XY__tcp-urgent-2byte-XY.pcap";
        final Recorder.FlowLog oob = only(Recorder.replay(
            bundled(capture), new EngineContext().urgentPolicy(UrgentPolicy.OOB)));
        final Recorder.FlowLog inline = only(Recorder.replay(bundled(capture), new EngineContext()));

        assertTrue(oob.text(TO_SERVER).startsWith("GET /malicXious"), oob.text(TO_SERVER));
        assertTrue(inline.text(TO_SERVER).startsWith("GET /malicXYious"), inline.text(TO_SERVER));
        assertEquals(inline.text(TO_SERVER).length() - 1, oob.text(TO_SERVER).length());
        assertEquals(List.of(), oob.events, "offsets stay consistent: no gap, no seekpos jump");
    }

    @Test
    void urgentSegmentDroppedUnderPolicyDropLeavesAGap()
    {
        final Recorder.FlowLog flow = only(Recorder.replay(
            bundled("suricata-verify__tcp-urgp-04-2byte-XY__tcp-urgent-2byte-XY.pcap"),
            new EngineContext().urgentPolicy(UrgentPolicy.DROP)));

        assertTrue(flow.text(TO_SERVER).startsWith("GET /malicious"), flow.text(TO_SERVER));
        assertEquals(List.of("GAP to_server 10+2 acked"), flow.events);
    }

    @Test
    void splitFiveWayHandshakeKeepsTheFirstSynSenderAsClient()
    {
        final Recorder.FlowLog flow = only(Recorder.replay(
            bundled("suricata-verify__tcp-split-handshake-02-5whs__split-handshake-5whs.pcap"), new EngineContext()));

        assertEquals("1.1.1.1:12345", flow.client);
        assertEquals("EVIL", flow.text(TO_SERVER));
        assertTrue(flow.connected);
        assertEquals(TcpFlags.SYN, flow.synFlags[TO_SERVER]);
        assertEquals(TcpFlags.SYN, flow.synFlags[TO_CLIENT]);
    }

    @Test
    void fastOpenDataIgnoredByTheServerIsNotDeliveredTwice()
    {
        final Recorder.FlowLog flow = only(Recorder.replay(
            bundled("suricata-verify__tcp-fastopen-11-reject-syn-data__tlpw-tcp-tfo-data-on-syn-nack.pcap"),
            new EngineContext()));

        assertEquals("192.168.0.44:57282", flow.client);
        assertEquals(839, flow.bytes[TO_SERVER].size(), "tcpflow and tshark agree on 839");
        assertEquals(6072, flow.bytes[TO_CLIENT].size(), "tcpflow and tshark agree on 6072");
    }

    @Test
    void midstreamPickupThatStartsWithTheResponseSwapsDirection()
    {
        final Recorder.FlowLog flow = only(Recorder.replay(
            bundled("suricata-verify__tcp-stream-after-swap__http-start-from-response.pcap"), new EngineContext()));

        assertEquals("172.16.9.181:38498", flow.client);
        assertEquals("172.16.9.189:80", flow.server);
        assertEquals(608, flow.wireBytes[TO_SERVER], "Suricata's flow.bytes_toserver");
        assertEquals(1037, flow.wireBytes[TO_CLIENT], "Suricata's flow.bytes_toclient");
        assertEquals(344, flow.bytes[TO_SERVER].size(), "tcpflow and tshark agree on 344");
        assertEquals(773, flow.bytes[TO_CLIENT].size(), "tcpflow and tshark agree on 773");
        assertTrue(flow.midstream);
        assertFalse(flow.connected);
    }

    /** TCP flag bits, spelled out for the assertions. */
    private static final class TcpFlags
    {
        static final int SYN = 0x02;
    }
}
