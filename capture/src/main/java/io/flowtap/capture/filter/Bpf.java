package io.flowtap.capture.filter;

/**
 * Classic BPF as Linux defines it ({@code linux/filter.h}, {@code linux/bpf_common.h}): opcode parts, the ancillary
 * offsets flowtap uses, the kernel's limits, and the packing of one {@code struct sock_filter} into a {@code long}
 * that crosses to the native module: {@code code << 48 | jt << 40 | jf << 32 | k}.
 * <p>
 * Constants and static functions only: thread safe.
 */
public final class Bpf
{
    /** Class: load into A. */
    public static final int LD = 0x00;
    /** Class: load into X. */
    public static final int LDX = 0x01;
    /** Class: store A into scratch memory. */
    public static final int ST = 0x02;
    /** Class: store X into scratch memory. */
    public static final int STX = 0x03;
    /** Class: arithmetic on A. */
    public static final int ALU = 0x04;
    /** Class: jumps. */
    public static final int JMP = 0x05;
    /** Class: return, ending the program with the number of bytes to keep (0 drops the packet). */
    public static final int RET = 0x06;
    /** Class: register transfers. */
    public static final int MISC = 0x07;

    /** Size: 32-bit word. */
    public static final int W = 0x00;
    /** Size: 16-bit half word. */
    public static final int H = 0x08;
    /** Size: byte. */
    public static final int B = 0x10;

    /** Mode: the constant k. */
    public static final int IMM = 0x00;
    /** Mode: packet bytes at k, or ancillary data at {@link #SKF_AD_OFF} + n. */
    public static final int ABS = 0x20;
    /** Mode: packet bytes at X + k. */
    public static final int IND = 0x40;
    /** Mode: scratch memory word k. */
    public static final int MEM = 0x60;
    /** Mode: the packet's length. */
    public static final int LEN = 0x80;
    /** Mode (LDX, byte): 4 * (packet[k] &amp; 0xf), an IPv4 header's length. */
    public static final int MSH = 0xA0;

    /** ALU: A + operand. */
    public static final int ADD = 0x00;
    /** ALU: A - operand. */
    public static final int SUB = 0x10;
    /** ALU: A * operand. */
    public static final int MUL = 0x20;
    /** ALU: A / operand. */
    public static final int DIV = 0x30;
    /** ALU: A | operand. */
    public static final int OR = 0x40;
    /** ALU: A &amp; operand. */
    public static final int AND = 0x50;
    /** ALU: A &lt;&lt; operand. */
    public static final int LSH = 0x60;
    /** ALU: A &gt;&gt;&gt; operand. */
    public static final int RSH = 0x70;
    /** ALU: -A. */
    public static final int NEG = 0x80;
    /** ALU: A % operand. */
    public static final int MOD = 0x90;
    /** ALU: A ^ operand. */
    public static final int XOR = 0xA0;

    /** JMP: always, k instructions forward. */
    public static final int JA = 0x00;
    /** JMP: A == operand. */
    public static final int JEQ = 0x10;
    /** JMP: A &gt; operand, unsigned. */
    public static final int JGT = 0x20;
    /** JMP: A &gt;= operand, unsigned. */
    public static final int JGE = 0x30;
    /** JMP: (A &amp; operand) != 0. */
    public static final int JSET = 0x40;

    /** Operand: the constant k. */
    public static final int K = 0x00;
    /** Operand: register X. */
    public static final int X = 0x08;
    /** RET operand: register A. */
    public static final int A = 0x10;

    /** MISC: X = A. */
    public static final int TAX = 0x00;
    /** MISC: A = X. */
    public static final int TXA = 0x80;

    /** Where ancillary loads start: {@code ld [SKF_AD_OFF + n]} reads socket buffer metadata, not packet bytes. */
    public static final int SKF_AD_OFF = -0x1000;
    /** Ancillary: the VLAN TCI the kernel stripped from the frame. */
    public static final int SKF_AD_VLAN_TAG = 44;
    /** Ancillary: 1 when the kernel stripped a VLAN tag from the frame, else 0. */
    public static final int SKF_AD_VLAN_TAG_PRESENT = 48;

    /** Scratch memory words, M[0] to M[15]. */
    public static final int MEMORY_WORDS = 16;
    /** The most instructions the kernel accepts ({@code BPF_MAXINSNS}). */
    public static final int MAX_INSTRUCTIONS = 4096;
    /** The farthest a conditional jump reaches: jt and jf are bytes. */
    public static final int MAX_CONDITIONAL_OFFSET = 0xFF;
    /** The return value that keeps the whole packet. */
    public static final int ACCEPT_WHOLE_PACKET = 0xFFFF_FFFF;
    /** The return value that drops the packet. */
    public static final int DROP = 0;

    private Bpf()
    {
    }

    /**
     * @param code the opcode.
     * @param jt   offset when a conditional jump is taken.
     * @param jf   offset when it is not.
     * @param k    the operand.
     * @return the instruction packed into a long.
     */
    public static long pack(final int code, final int jt, final int jf, final int k)
    {
        return ((long)(code & 0xFFFF) << 48) | ((long)(jt & 0xFF) << 40) | ((long)(jf & 0xFF) << 32) |
            (k & 0xFFFF_FFFFL);
    }

    /**
     * @param instruction packed by {@link #pack}.
     * @return its opcode.
     */
    public static int code(final long instruction)
    {
        return (int)(instruction >>> 48) & 0xFFFF;
    }

    /**
     * @param instruction packed by {@link #pack}.
     * @return its jump-if-true offset.
     */
    public static int jt(final long instruction)
    {
        return (int)(instruction >>> 40) & 0xFF;
    }

    /**
     * @param instruction packed by {@link #pack}.
     * @return its jump-if-false offset.
     */
    public static int jf(final long instruction)
    {
        return (int)(instruction >>> 32) & 0xFF;
    }

    /**
     * @param instruction packed by {@link #pack}.
     * @return its operand.
     */
    public static int k(final long instruction)
    {
        return (int)instruction;
    }
}
