package io.flowtap.capture.filter;

import io.flowtap.capture.codec.EtherType;

/**
 * A classic BPF program as {@link BpfCompiler}'s parts write it: the assembler, the program's two exits (accept the
 * whole packet, drop), the scratch memory layout the parts share, and the jumps they all use.
 * <p>
 * Scratch memory: M[0] the (innermost) IP header's offset, M[1] the TCP header's (or the header of the protocol
 * that is not TCP), M[2] the IP version, M[3] the outer VLAN id or {@link #NO_VLAN_IN_MEMORY}, M[4] the next header,
 * M[5] and M[6] the tunnel's type and id, M[7] to M[9] scratch while a tunnel header is read. Every path stores
 * before it loads, as the kernel's checker requires.
 * <p>
 * Used once per compilation: not thread safe.
 */
final class BpfProgramWriter
{
    /** M[3] when the frame has no VLAN tag: above any 12-bit VLAN id. */
    static final int NO_VLAN_IN_MEMORY = 0x1_0000;

    static final int M_IP_OFFSET = 0;
    static final int M_TCP_OFFSET = 1;
    static final int M_VERSION = 2;
    static final int M_VLAN = 3;
    static final int M_NEXT_HEADER = 4;
    static final int M_TUNNEL_TYPE = 5;
    static final int M_TUNNEL_ID = 6;
    static final int M_TEMP_1 = 7;
    static final int M_TEMP_2 = 8;
    static final int M_TEMP_3 = 9;

    static final int ETHER_TYPE_OFFSET = 12;
    static final int ETHERNET_HEADER_LENGTH = 14;
    static final int VLAN_TAG_LENGTH = 4;
    /** Link encapsulations the kernel does not open (the decoder does): their frames are passed on whole. */
    static final int[] OTHER_ENCAPSULATIONS = {EtherType.MPLS_UNICAST, EtherType.MPLS_MULTICAST,
        EtherType.PPPOE_SESSION, EtherType.VN_TAG, EtherType.E_TAG, EtherType.FABRICPATH};
    static final int[] VLAN_TPIDS = {EtherType.VLAN, EtherType.QINQ, EtherType.QINQ_LEGACY};

    final BpfAssembler asm = new BpfAssembler();
    final BpfAssembler.Label accept = asm.label();
    final BpfAssembler.Label drop = asm.label();

    /**
     * At {@code from}: X moves on by {@code length}, then to {@code to}.
     */
    void moveX(final BpfAssembler.Label from, final int length, final BpfAssembler.Label to)
    {
        asm.bind(from);
        asm.op(Bpf.MISC | Bpf.TXA, 0);
        asm.op(Bpf.ALU | Bpf.ADD | Bpf.K, length);
        asm.op(Bpf.MISC | Bpf.TAX, 0);
        asm.always(to);
    }

    /**
     * A holds a value: to {@code match} when it is one of {@code values}, else to {@code other} (or on, when null).
     */
    void jumpIfAny(final int[] values, final BpfAssembler.Label match, final BpfAssembler.Label other)
    {
        for (int i = 0; i < values.length; i++)
        {
            asm.jump(Bpf.JMP | Bpf.JEQ | Bpf.K, values[i], match, i == values.length - 1 ? other : null);
        }
        if (values.length == 0 && other != null)
        {
            asm.always(other);
        }
    }

    void jumpIfVlanTpid(final BpfAssembler.Label tagged, final BpfAssembler.Label other)
    {
        jumpIfAny(VLAN_TPIDS, tagged, other);
    }
}
