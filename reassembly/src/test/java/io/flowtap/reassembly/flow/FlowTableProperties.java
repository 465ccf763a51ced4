package io.flowtap.reassembly.flow;

import io.flowtap.capture.test.Allocations;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The flow table against a HashMap model under random insert/find/remove churn, with keys that collide on purpose
 * (few distinct addresses) so probe runs form and backward-shift deletion is exercised.
 */
class FlowTableProperties
{
    private static FlowKey key(final int n)
    {
        return new FlowKey().set(4, 0, 0x0A00_0000L | (n % 7), 1024 + n, 0, 0x0A00_0100L, 80, FlowKey.NO_VLAN);
    }

    @Property(tries = 300)
    void shouldBehaveLikeAMapUnderChurn(
        @ForAll @Size(min = 1, max = 2000) final List<@IntRange(min = 0, max = 300) Integer> operations,
        @ForAll @IntRange(min = 1, max = 64) final int maxFlows)
    {
        final FlowTable table = new FlowTable(maxFlows);
        final Map<Integer, Integer> model = new HashMap<>();
        final Set<Integer> idsInUse = new HashSet<>();

        for (final int operation : operations)
        {
            final int n = operation % 100;
            final FlowKey key = key(n);
            final int found = table.find(key);
            assertEquals(model.getOrDefault(n, FlowTable.NOT_FOUND), found, "find " + n);
            if (operation >= 150 && found >= 0)
            {
                table.remove(found);
                model.remove(n);
                idsInUse.remove(found);
            }
            else if (found == FlowTable.NOT_FOUND)
            {
                final int id = table.insert(key);
                if (model.size() == maxFlows)
                {
                    assertEquals(FlowTable.FULL, id);
                }
                else
                {
                    assertTrue(id >= 0 && id < maxFlows, "id " + id);
                    assertTrue(idsInUse.add(id), "id handed out twice: " + id);
                    model.put(n, id);
                    for (int w = 0; w < FlowKey.WORDS; w++)
                    {
                        assertEquals(key.word(w), table.keyWord(id, w));
                    }
                }
            }
            assertEquals(model.size(), table.size());
        }
        for (final Map.Entry<Integer, Integer> entry : model.entrySet())
        {
            assertEquals(entry.getValue(), table.find(key(entry.getKey())));
        }
    }

    @Test
    void shouldNotAllocateOnFindInsertOrRemove()
    {
        final int flows = 10_000;
        final FlowTable table = new FlowTable(flows);
        final List<FlowKey> keys = new ArrayList<>(flows);
        for (int i = 0; i < flows; i++)
        {
            keys.add(new FlowKey().set(4, 0, 0x0A00_0000L + i, 1024 + (i & 0x3FFF), 0, 0xC0A8_0001L, 443, 1));
        }
        final int[] ids = new int[flows];
        for (int round = 0; round < 4; round++)
        {
            final long before = Allocations.currentThreadBytes();
            for (int i = 0; i < flows; i++)
            {
                assertEquals(FlowTable.NOT_FOUND, table.find(keys.get(i)));
                ids[i] = table.insert(keys.get(i));
            }
            assertEquals(FlowTable.FULL, table.insert(new FlowKey()));
            for (int i = 0; i < flows; i++)
            {
                assertEquals(ids[i], table.find(keys.get(i)));
            }
            for (int i = 0; i < flows; i += 2)
            {
                table.remove(ids[i]);
            }
            for (int i = 1; i < flows; i += 2)
            {
                assertEquals(ids[i], table.find(keys.get(i)));
                table.remove(ids[i]);
            }
            final long allocated = Allocations.currentThreadBytes() - before;
            assertEquals(0, table.size());
            if (round > 1)
            {
                assertTrue(allocated < 1024, "round " + round + " allocated " + allocated + " bytes");
            }
        }
        assertNotEquals(ids[0], ids[1]);
    }
}
