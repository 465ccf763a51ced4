package io.flowtap.capture.filter;

import java.util.Arrays;
import java.util.Locale;

/**
 * A classic BPF program, each instruction packed as {@link Bpf#pack} describes, ready for
 * {@code AfPacket.attachFilter}. {@link #toString()} lists it as {@code tcpdump -d} would.
 * <p>
 * Immutable: thread safe.
 */
public final class BpfProgram
{
    private final long[] instructions;

    /**
     * @param instructions packed; copied.
     */
    public BpfProgram(final long[] instructions)
    {
        this.instructions = instructions.clone();
    }

    /**
     * @return the number of instructions.
     */
    public int length()
    {
        return instructions.length;
    }

    /**
     * @param index of an instruction.
     * @return it, packed.
     */
    public long instruction(final int index)
    {
        return instructions[index];
    }

    /**
     * @return a copy of the packed instructions.
     */
    public long[] instructions()
    {
        return instructions.clone();
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof BpfProgram program && Arrays.equals(instructions, program.instructions);
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(instructions);
    }

    /**
     * @return one line per instruction, numbered, with absolute jump targets.
     */
    @Override
    public String toString()
    {
        final StringBuilder listing = new StringBuilder();
        for (int pc = 0; pc < instructions.length; pc++)
        {
            listing.append(String.format(Locale.ROOT, "(%03d) %s%n", pc, describe(pc, instructions[pc])));
        }
        return listing.toString();
    }

    private static String describe(final int pc, final long instruction)
    {
        final int code = Bpf.code(instruction);
        final int k = Bpf.k(instruction);
        final String constant = "#0x" + Integer.toHexString(k);
        switch (code & 0x07)
        {
            case Bpf.LD:
            case Bpf.LDX:
                return describeLoad(code, k, constant);
            case Bpf.ST:
                return "st       M[" + k + "]";
            case Bpf.STX:
                return "stx      M[" + k + "]";
            case Bpf.ALU:
            {
                final String[] names = {"add", "sub", "mul", "div", "or", "and", "lsh", "rsh", "neg", "mod", "xor"};
                final int op = (code & 0xF0) >>> 4;
                final String name = op < names.length ? names[op] : "alu?" + op;
                return op == Bpf.NEG >>> 4 ? name : pad(name) + ((code & Bpf.X) != 0 ? "x" : constant);
            }
            case Bpf.JMP:
            {
                if ((code & 0xF0) == Bpf.JA)
                {
                    return "ja       " + (pc + 1 + k);
                }
                final String[] names = {"ja", "jeq", "jgt", "jge", "jset"};
                final int op = (code & 0xF0) >>> 4;
                final String name = op < names.length ? names[op] : "jmp?" + op;
                final String operand = (code & Bpf.X) != 0 ? "x" : constant;
                return String.format(Locale.ROOT, "%-8s %-16s jt %d\tjf %d", name, operand,
                    pc + 1 + Bpf.jt(instruction), pc + 1 + Bpf.jf(instruction));
            }
            case Bpf.RET:
                return (code & Bpf.A) != 0 ? "ret      a" : "ret      " + constant;
            default:
                return (code & Bpf.TXA) != 0 ? "txa" : "tax";
        }
    }

    private static String describeLoad(final int code, final int k, final String constant)
    {
        final boolean intoX = (code & 0x07) == Bpf.LDX;
        final int size = code & 0x18;
        final String name = (intoX ? "ldx" : "ld") + (size == Bpf.H ? "h" : size == Bpf.B ? "b" : "");
        switch (code & 0xE0)
        {
            case Bpf.IMM:
                return pad(name) + constant;
            case Bpf.ABS:
                if (k - Bpf.SKF_AD_OFF == Bpf.SKF_AD_VLAN_TAG)
                {
                    return pad(name) + "vlan_tci";
                }
                if (k - Bpf.SKF_AD_OFF == Bpf.SKF_AD_VLAN_TAG_PRESENT)
                {
                    return pad(name) + "vlan_avail";
                }
                return pad(name) + "[" + k + "]";
            case Bpf.IND:
                return pad(name) + "[x + " + k + "]";
            case Bpf.MEM:
                return pad(name) + "M[" + k + "]";
            case Bpf.LEN:
                return pad(name) + "#pktlen";
            case Bpf.MSH:
                return pad("ldxb") + "4*([" + k + "]&0xf)";
            default:
                return pad(name) + "?mode " + (code & 0xE0);
        }
    }

    private static String pad(final String name)
    {
        return String.format(Locale.ROOT, "%-9s", name);
    }
}
