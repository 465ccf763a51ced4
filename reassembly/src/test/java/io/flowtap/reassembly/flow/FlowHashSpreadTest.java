package io.flowtap.reassembly.flow;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowHashSpreadTest
{
    @Test
    void shouldSpreadSequentialClientsEvenlyOverWorkers()
    {
        // 100k clients of one server, ports and addresses counting up: the worst case for a weak hash.
        final int workers = 8;
        final int[] perWorker = new int[workers];
        final FlowKey key = new FlowKey();
        for (int i = 0; i < 100_000; i++)
        {
            key.set(4, 0, 0x0A00_0000L + (i >>> 8), 32768 + (i & 0xFF), 0, 0x0A01_0001L, 443, FlowKey.NO_VLAN);
            perWorker[(int)Long.remainderUnsigned(key.hash(), workers)]++;
        }
        for (final int count : perWorker)
        {
            assertTrue(Math.abs(count - 12_500) < 500, "uneven: " + java.util.Arrays.toString(perWorker));
        }
    }
}
