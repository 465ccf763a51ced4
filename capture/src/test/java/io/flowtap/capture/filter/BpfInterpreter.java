package io.flowtap.capture.filter;

import java.util.Arrays;

/**
 * Runs classic BPF in Java, as the kernel would on a socket buffer: packet loads past the end stop the program with
 * 0, and the ancillary VLAN loads read the tag the kernel stripped. {@link #verify} applies the checks the kernel
 * makes before it accepts a program ({@code bpf_check_classic} and {@code check_load_and_stores}), so that tests
 * catch an EINVAL without a kernel.
 * <p>
 * Stateless: thread safe.
 */
final class BpfInterpreter
{
    /** No tag stripped into metadata. */
    static final int NO_TCI = -1;

    private BpfInterpreter()
    {
    }

    /**
     * @param program to run.
     * @param frame   the packet, link-layer header first.
     * @param tci     the VLAN TCI the kernel stripped, or {@link #NO_TCI}.
     * @return what the program returned: the bytes to keep, 0 to drop.
     */
    static int run(final BpfProgram program, final byte[] frame, final int tci)
    {
        final int[] memory = new int[Bpf.MEMORY_WORDS];
        final boolean[] written = new boolean[Bpf.MEMORY_WORDS];
        int a = 0;
        int x = 0;
        int pc = 0;
        while (true)
        {
            if (pc >= program.length())
            {
                throw new AssertionError("ran off the end of the program at " + pc);
            }
            final long instruction = program.instruction(pc);
            final int code = Bpf.code(instruction);
            final int k = Bpf.k(instruction);
            switch (code & 0x07)
            {
                case Bpf.LD:
                case Bpf.LDX:
                {
                    final long value = load(code, k, x, frame, tci, memory, written);
                    if (value < 0)
                    {
                        return 0;
                    }
                    if ((code & 0x07) == Bpf.LD)
                    {
                        a = (int)value;
                    }
                    else
                    {
                        x = (int)value;
                    }
                    break;
                }
                case Bpf.ST:
                    memory[k] = a;
                    written[k] = true;
                    break;
                case Bpf.STX:
                    memory[k] = x;
                    written[k] = true;
                    break;
                case Bpf.ALU:
                {
                    final int operand = (code & Bpf.X) != 0 ? x : k;
                    switch (code & 0xF0)
                    {
                        case Bpf.ADD:
                            a += operand;
                            break;
                        case Bpf.SUB:
                            a -= operand;
                            break;
                        case Bpf.MUL:
                            a *= operand;
                            break;
                        case Bpf.DIV:
                            if (operand == 0)
                            {
                                return 0;
                            }
                            a = Integer.divideUnsigned(a, operand);
                            break;
                        case Bpf.MOD:
                            if (operand == 0)
                            {
                                return 0;
                            }
                            a = Integer.remainderUnsigned(a, operand);
                            break;
                        case Bpf.OR:
                            a |= operand;
                            break;
                        case Bpf.AND:
                            a &= operand;
                            break;
                        case Bpf.XOR:
                            a ^= operand;
                            break;
                        case Bpf.LSH:
                            a = a << operand;
                            break;
                        case Bpf.RSH:
                            a = a >>> operand;
                            break;
                        case Bpf.NEG:
                            a = -a;
                            break;
                        default:
                            throw new AssertionError("unknown ALU operation at " + pc);
                    }
                    break;
                }
                case Bpf.JMP:
                {
                    if ((code & 0xF0) == Bpf.JA)
                    {
                        pc += k;
                        break;
                    }
                    final int operand = (code & Bpf.X) != 0 ? x : k;
                    final boolean taken;
                    switch (code & 0xF0)
                    {
                        case Bpf.JEQ:
                            taken = a == operand;
                            break;
                        case Bpf.JGT:
                            taken = Integer.compareUnsigned(a, operand) > 0;
                            break;
                        case Bpf.JGE:
                            taken = Integer.compareUnsigned(a, operand) >= 0;
                            break;
                        case Bpf.JSET:
                            taken = (a & operand) != 0;
                            break;
                        default:
                            throw new AssertionError("unknown jump at " + pc);
                    }
                    pc += taken ? Bpf.jt(instruction) : Bpf.jf(instruction);
                    break;
                }
                case Bpf.RET:
                    return (code & Bpf.A) != 0 ? a : k;
                default:
                    if ((code & Bpf.TXA) != 0)
                    {
                        a = x;
                    }
                    else
                    {
                        x = a;
                    }
                    break;
            }
            pc++;
        }
    }

    /**
     * @return the value loaded, as an unsigned 32-bit value in a long, or -1 when a packet load is out of bounds.
     */
    private static long load(
        final int code,
        final int k,
        final int x,
        final byte[] frame,
        final int tci,
        final int[] memory,
        final boolean[] written)
    {
        final int size = code & 0x18;
        final int bytes = size == Bpf.W ? 4 : size == Bpf.H ? 2 : 1;
        switch (code & 0xE0)
        {
            case Bpf.IMM:
                return k & 0xFFFF_FFFFL;
            case Bpf.LEN:
                return frame.length;
            case Bpf.MEM:
                if (!written[k])
                {
                    throw new AssertionError("M[" + k + "] read before it was written");
                }
                return memory[k] & 0xFFFF_FFFFL;
            case Bpf.ABS:
                if (Integer.compareUnsigned(k, Bpf.SKF_AD_OFF) >= 0)
                {
                    switch (k - Bpf.SKF_AD_OFF)
                    {
                        case Bpf.SKF_AD_VLAN_TAG:
                            return tci == NO_TCI ? 0 : tci;
                        case Bpf.SKF_AD_VLAN_TAG_PRESENT:
                            return tci == NO_TCI ? 0 : 1;
                        default:
                            throw new AssertionError("unsupported ancillary load " + (k - Bpf.SKF_AD_OFF));
                    }
                }
                return packet(frame, k & 0xFFFF_FFFFL, bytes);
            case Bpf.IND:
                return packet(frame, (x & 0xFFFF_FFFFL) + (k & 0xFFFF_FFFFL), bytes);
            case Bpf.MSH:
            {
                final long value = packet(frame, k & 0xFFFF_FFFFL, 1);
                return value < 0 ? -1 : (value & 0x0F) << 2;
            }
            default:
                throw new AssertionError("unknown load mode " + (code & 0xE0));
        }
    }

    private static long packet(final byte[] frame, final long offset, final int bytes)
    {
        if (offset + bytes > frame.length)
        {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < bytes; i++)
        {
            value = (value << 8) | (frame[(int)offset + i] & 0xFF);
        }
        return value;
    }

    /**
     * The checks the kernel makes on a classic program before attaching it, with this interpreter's messages.
     *
     * @param program to check.
     * @throws AssertionError naming the first rule broken.
     */
    static void verify(final BpfProgram program)
    {
        final int length = program.length();
        if (length == 0 || length > Bpf.MAX_INSTRUCTIONS)
        {
            throw new AssertionError("length " + length);
        }
        for (int pc = 0; pc < length; pc++)
        {
            final long instruction = program.instruction(pc);
            final int code = Bpf.code(instruction);
            final int k = Bpf.k(instruction);
            switch (code & 0x07)
            {
                case Bpf.LD:
                case Bpf.LDX:
                    if ((code & 0xE0) == Bpf.MEM && (k < 0 || k >= Bpf.MEMORY_WORDS))
                    {
                        throw new AssertionError("scratch word " + k + " at " + pc);
                    }
                    if ((code & 0xE0) == Bpf.ABS && Integer.compareUnsigned(k, Bpf.SKF_AD_OFF) >= 0 &&
                        k - Bpf.SKF_AD_OFF != Bpf.SKF_AD_VLAN_TAG && k - Bpf.SKF_AD_OFF != Bpf.SKF_AD_VLAN_TAG_PRESENT)
                    {
                        throw new AssertionError("ancillary load " + (k - Bpf.SKF_AD_OFF) + " at " + pc);
                    }
                    break;
                case Bpf.ST:
                case Bpf.STX:
                    if (k < 0 || k >= Bpf.MEMORY_WORDS)
                    {
                        throw new AssertionError("scratch word " + k + " at " + pc);
                    }
                    break;
                case Bpf.ALU:
                    if (((code & 0xF0) == Bpf.DIV || (code & 0xF0) == Bpf.MOD) && (code & Bpf.X) == 0 && k == 0)
                    {
                        throw new AssertionError("division by constant 0 at " + pc);
                    }
                    break;
                case Bpf.JMP:
                    if ((code & 0xF0) == Bpf.JA)
                    {
                        if (Integer.compareUnsigned(k, length - pc - 1) >= 0)
                        {
                            throw new AssertionError("ja past the end at " + pc);
                        }
                    }
                    else if (pc + Bpf.jt(instruction) + 1 >= length || pc + Bpf.jf(instruction) + 1 >= length)
                    {
                        throw new AssertionError("conditional jump past the end at " + pc);
                    }
                    break;
                default:
                    break;
            }
        }
        if ((Bpf.code(program.instruction(length - 1)) & 0x07) != Bpf.RET)
        {
            throw new AssertionError("the last instruction is not a return");
        }
        checkLoadsAfterStores(program);
    }

    /**
     * The kernel's rule, path by path but conservatively: a scratch word is readable at an instruction only when
     * every jump into it, and the fall-through, had stored it.
     */
    private static void checkLoadsAfterStores(final BpfProgram program)
    {
        final int length = program.length();
        final int[] masks = new int[length];
        Arrays.fill(masks, 0xFFFF);
        int valid = 0;
        for (int pc = 0; pc < length; pc++)
        {
            valid &= masks[pc];
            final long instruction = program.instruction(pc);
            final int code = Bpf.code(instruction);
            final int k = Bpf.k(instruction);
            if ((code & 0x07) == Bpf.ST || (code & 0x07) == Bpf.STX)
            {
                valid |= 1 << k;
            }
            else if (((code & 0x07) == Bpf.LD || (code & 0x07) == Bpf.LDX) && (code & 0xE0) == Bpf.MEM)
            {
                if ((valid & (1 << k)) == 0)
                {
                    throw new AssertionError("M[" + k + "] may be read before it is written, at " + pc);
                }
            }
            else if ((code & 0x07) == Bpf.JMP)
            {
                if ((code & 0xF0) == Bpf.JA)
                {
                    masks[pc + 1 + k] &= valid;
                }
                else
                {
                    masks[pc + 1 + Bpf.jt(instruction)] &= valid;
                    masks[pc + 1 + Bpf.jf(instruction)] &= valid;
                }
                valid = 0xFFFF;
            }
        }
    }
}
