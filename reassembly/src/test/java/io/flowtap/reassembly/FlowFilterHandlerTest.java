package io.flowtap.reassembly;

import io.flowtap.capture.filter.FilterSyntaxException;
import io.flowtap.reassembly.test.Conversation;
import io.flowtap.reassembly.test.Recorder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowFilterHandlerTest
{
    private static EngineContext small()
    {
        return new EngineContext().maxFlows(8).engineMemcapBytes(64 * 1024).pageSize(256);
    }

    @Test
    void reassemblesOnlyFlowsTheExpressionMatchesClientToServer()
    {
        final FlowFilterHandler filter = new FlowFilterHandler("net 10.0.0.0/25 and dst port 80");
        final Recorder recorder = new Recorder();
        final ReassemblyEngine engine = new ReassemblyEngine(small(), filter, recorder);
        new Conversation(engine, 1000, 1, 40000, 80).handshake().toServer(0, "web");
        new Conversation(engine, 1000, 1, 40001, 22).handshake().toServer(0, "ssh");
        // The client's port is 80 here: "dst port 80" is the server's port, so this one does not match.
        new Conversation(engine, 1000, 1, 80, 40002).handshake().toServer(0, "odd");
        engine.shutdown();

        assertEquals("web", recorder.list().get(0).text(Direction.TO_SERVER));
        assertEquals("", recorder.list().get(1).text(Direction.TO_SERVER));
        assertEquals("", recorder.list().get(2).text(Direction.TO_SERVER));
        assertEquals(1, filter.matched());
        assertEquals(2, filter.rejected());
        assertEquals(6, engine.counters().get(EngineCounter.NOT_REASSEMBLED_BYTES));
    }

    @Test
    void badExpressionIsOneClearLine()
    {
        final FilterSyntaxException error =
            assertThrows(FilterSyntaxException.class, () -> new FlowFilterHandler("dst port http"));
        assertTrue(error.getMessage().contains("column"), error.getMessage());
        assertTrue(error.getMessage().contains("port number"), error.getMessage());
        assertEquals(-1, error.getMessage().indexOf('\n'));
    }
}
