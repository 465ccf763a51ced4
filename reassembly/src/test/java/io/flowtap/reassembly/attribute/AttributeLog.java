package io.flowtap.reassembly.attribute;

import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.TcpHandler;
import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps every attribute reported, its value copied out as ISO-8859-1 text, for tests to compare.
 */
final class AttributeLog implements TcpHandler
{
    record Seen(long flowId, int direction, String name, String value)
    {
    }

    final List<Seen> seen = new ArrayList<>();

    @Override
    public void onAttribute(
        final Flow flow,
        final int direction,
        final String name,
        final DirectBuffer value,
        final int offset,
        final int length,
        final long timeNs)
    {
        final byte[] bytes = new byte[length];
        value.getBytes(offset, bytes);
        seen.add(new Seen(flow.id(), direction, name, new String(bytes, StandardCharsets.ISO_8859_1)));
    }

    List<String> values(final String name)
    {
        final List<String> values = new ArrayList<>();
        for (final Seen s : seen)
        {
            if (s.name().equals(name))
            {
                values.add(s.value());
            }
        }
        return values;
    }

    List<String> names()
    {
        final List<String> names = new ArrayList<>();
        for (final Seen s : seen)
        {
            names.add(s.name());
        }
        return names;
    }
}
