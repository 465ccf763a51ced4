package io.flowtap.capture.filter;

import io.flowtap.capture.codec.TunnelType;

import static io.flowtap.capture.filter.BpfProgramWriter.NO_VLAN_IN_MEMORY;
import static io.flowtap.capture.filter.BpfProgramWriter.M_IP_OFFSET;
import static io.flowtap.capture.filter.BpfProgramWriter.M_TCP_OFFSET;
import static io.flowtap.capture.filter.BpfProgramWriter.M_VERSION;
import static io.flowtap.capture.filter.BpfProgramWriter.M_VLAN;
import static io.flowtap.capture.filter.BpfProgramWriter.M_TUNNEL_TYPE;
import static io.flowtap.capture.filter.BpfProgramWriter.M_TUNNEL_ID;

/**
 * The part of a {@link BpfCompiler} program that runs a {@link FilterProgram}'s tests, once the headers are found:
 * each test becomes a few loads from the packet or from scratch memory and a conditional jump to the next test, to
 * accept or to drop, as the filter's chain says.
 * <p>
 * Used once per compilation: not thread safe.
 */
final class BpfFilterTests
{
    private static final int IPV4_SOURCE_OFFSET = 12;
    private static final int IPV4_DESTINATION_OFFSET = 16;
    private static final int IPV6_SOURCE_OFFSET = 8;
    private static final int IPV6_DESTINATION_OFFSET = 24;
    private static final int TCP_SOURCE_PORT_OFFSET = 0;
    private static final int TCP_DESTINATION_PORT_OFFSET = 2;
    private static final int MAX_PORT = 0xFFFF;
    private static final int ALL_ONES = 0xFFFF_FFFF;

    private final BpfAssembler asm;
    private final BpfAssembler.Label accept;
    private final BpfAssembler.Label drop;

    BpfFilterTests(final BpfProgramWriter writer)
    {
        this.asm = writer.asm;
        this.accept = writer.accept;
        this.drop = writer.drop;
    }

    void tests(final FilterProgram program)
    {
        if (program.entry < 0)
        {
            asm.always(program.entry == FilterProgram.ACCEPT ? accept : drop);
            return;
        }
        final BpfAssembler.Label[] labels = new BpfAssembler.Label[program.length()];
        for (int i = 0; i < labels.length; i++)
        {
            labels[i] = asm.label();
        }
        for (int i = 0; i < labels.length; i++)
        {
            asm.bind(labels[i]);
            final BpfAssembler.Label onMatch = target(labels, program.onMatch[i]);
            final BpfAssembler.Label onMismatch = target(labels, program.onMismatch[i]);
            test(program, i, onMatch, onMismatch);
        }
    }

    private BpfAssembler.Label target(final BpfAssembler.Label[] labels, final int target)
    {
        return target == FilterProgram.ACCEPT ? accept : target == FilterProgram.REJECT ? drop : labels[target];
    }

    private void test(
        final FilterProgram program, final int i, final BpfAssembler.Label onMatch, final BpfAssembler.Label onMismatch)
    {
        final long a = program.a[i];
        final long b = program.b[i];
        switch (program.test[i])
        {
            case FilterProgram.VERSION:
                asm.op(Bpf.LD | Bpf.MEM, M_VERSION);
                asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, (int)a, onMatch, onMismatch);
                break;
            case FilterProgram.SRC_IPV4:
            case FilterProgram.DST_IPV4:
            {
                final int offset = program.test[i] == FilterProgram.SRC_IPV4 ?
                    IPV4_SOURCE_OFFSET : IPV4_DESTINATION_OFFSET;
                addressWords(4, offset, new int[] {(int)a}, new int[] {(int)b}, onMatch, onMismatch);
                break;
            }
            case FilterProgram.SRC_IPV6:
            case FilterProgram.DST_IPV6:
            {
                final long c = program.c[i];
                final long d = program.d[i];
                final int offset = program.test[i] == FilterProgram.SRC_IPV6 ?
                    IPV6_SOURCE_OFFSET : IPV6_DESTINATION_OFFSET;
                addressWords(6, offset,
                    new int[] {(int)(a >>> 32), (int)a, (int)(b >>> 32), (int)b},
                    new int[] {(int)(c >>> 32), (int)c, (int)(d >>> 32), (int)d},
                    onMatch, onMismatch);
                break;
            }
            case FilterProgram.SRC_PORT:
            case FilterProgram.DST_PORT:
                ports(program.test[i] == FilterProgram.SRC_PORT ? TCP_SOURCE_PORT_OFFSET : TCP_DESTINATION_PORT_OFFSET,
                    (int)a, (int)b, onMatch, onMismatch);
                break;
            case FilterProgram.TUNNEL:
                tunnelTest(a, b, onMatch, onMismatch);
                break;
            default:
                asm.op(Bpf.LD | Bpf.MEM, M_VLAN);
                if (a == FlowFilter.NO_VLAN)
                {
                    asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, NO_VLAN_IN_MEMORY, onMismatch, onMatch);
                }
                else
                {
                    asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, (int)a, onMatch, onMismatch);
                }
                break;
        }
    }

    /**
     * The tunnel in M[5] (GRE also naming ERSPAN, which GRE carries), then, unless any will do, its id in M[6].
     */
    private void tunnelTest(
        final long type, final long id, final BpfAssembler.Label onMatch, final BpfAssembler.Label onMismatch)
    {
        final BpfAssembler.Label typeMatches = id == FlowFilter.ANY_TUNNEL_ID ? onMatch : asm.label();
        asm.op(Bpf.LD | Bpf.MEM, M_TUNNEL_TYPE);
        if (type == TunnelType.GRE)
        {
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, TunnelType.GRE, typeMatches, null);
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, TunnelType.ERSPAN, typeMatches, onMismatch);
        }
        else
        {
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, (int)type, typeMatches, onMismatch);
        }
        if (id != FlowFilter.ANY_TUNNEL_ID)
        {
            asm.bind(typeMatches);
            asm.op(Bpf.LD | Bpf.MEM, M_TUNNEL_ID);
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, (int)id, onMatch, onMismatch);
        }
    }

    /**
     * The IP version, then each 32-bit word of the address under its mask; words whose mask is 0 are skipped.
     */
    private void addressWords(
        final int version,
        final int offset,
        final int[] values,
        final int[] masks,
        final BpfAssembler.Label onMatch,
        final BpfAssembler.Label onMismatch)
    {
        int lastWord = -1;
        for (int word = 0; word < masks.length; word++)
        {
            if (masks[word] != 0)
            {
                lastWord = word;
            }
        }
        asm.op(Bpf.LD | Bpf.MEM, M_VERSION);
        if (lastWord < 0)
        {
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, version, onMatch, onMismatch);
            return;
        }
        asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, version, null, onMismatch);
        asm.op(Bpf.LDX | Bpf.W | Bpf.MEM, M_IP_OFFSET);
        for (int word = 0; word <= lastWord; word++)
        {
            if (masks[word] == 0)
            {
                continue;
            }
            asm.op(Bpf.LD | Bpf.W | Bpf.IND, offset + word * Integer.BYTES);
            if (masks[word] != ALL_ONES)
            {
                asm.op(Bpf.ALU | Bpf.AND | Bpf.K, masks[word]);
            }
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, values[word], word == lastWord ? onMatch : null, onMismatch);
        }
    }

    private void ports(
        final int offset, final int low, final int high, final BpfAssembler.Label onMatch,
        final BpfAssembler.Label onMismatch)
    {
        if (low == 0 && high == MAX_PORT)
        {
            asm.always(onMatch);
            return;
        }
        asm.op(Bpf.LDX | Bpf.W | Bpf.MEM, M_TCP_OFFSET);
        asm.op(Bpf.LD | Bpf.H | Bpf.IND, offset);
        if (low == high)
        {
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, low, onMatch, onMismatch);
        }
        else if (low == 0)
        {
            asm.jump(Bpf.JMP | Bpf.JGT | Bpf.K, high, onMismatch, onMatch);
        }
        else if (high == MAX_PORT)
        {
            asm.jump(Bpf.JMP | Bpf.JGE | Bpf.K, low, onMatch, onMismatch);
        }
        else
        {
            asm.jump(Bpf.JMP | Bpf.JGE | Bpf.K, low, null, onMismatch);
            asm.jump(Bpf.JMP | Bpf.JGT | Bpf.K, high, onMismatch, onMatch);
        }
    }
}
