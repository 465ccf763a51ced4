package io.flowtap.capture.filter;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Emits classic BPF with symbolic forward labels, then lays it out. A conditional jump reaches at most
 * {@link Bpf#MAX_CONDITIONAL_OFFSET} instructions ahead; one that must go farther is pointed at a {@code ja}
 * inserted right after it, whose 32-bit offset reaches anywhere. Insertions lengthen other jumps, so layout repeats
 * until every offset fits.
 * <p>
 * Not thread safe: one assembler builds one program.
 */
final class BpfAssembler
{
    private final List<Instruction> instructions = new ArrayList<>();
    private final List<Label> pending = new ArrayList<>();

    /**
     * A place in the program, bound to the next instruction emitted after {@link #bind}.
     */
    static final class Label
    {
        private Instruction target;
    }

    private static final class Instruction
    {
        private final int code;
        private final int k;
        private Label jt;
        private Label jf;

        Instruction(final int code, final int k, final Label jt, final Label jf)
        {
            this.code = code;
            this.k = k;
            this.jt = jt;
            this.jf = jf;
        }

        boolean isConditional()
        {
            return (code & 0x07) == Bpf.JMP && (code & 0xF0) != Bpf.JA;
        }

        boolean isAlways()
        {
            return (code & 0x07) == Bpf.JMP && (code & 0xF0) == Bpf.JA;
        }
    }

    /**
     * @return a new label, to bind later.
     */
    Label label()
    {
        return new Label();
    }

    /**
     * @param label to bind to the next instruction emitted.
     */
    void bind(final Label label)
    {
        if (label.target != null || pending.contains(label))
        {
            throw new IllegalStateException("label bound twice");
        }
        pending.add(label);
    }

    /**
     * Emit an instruction that does not jump.
     *
     * @param code opcode.
     * @param k    operand.
     */
    void op(final int code, final int k)
    {
        add(new Instruction(code, k, null, null));
    }

    /**
     * Emit a conditional jump.
     *
     * @param code opcode, such as {@code JMP | JEQ | K}.
     * @param k    operand.
     * @param jt   where to go when the condition holds, or null for the next instruction.
     * @param jf   where to go when it does not, or null for the next instruction.
     */
    void jump(final int code, final int k, final Label jt, final Label jf)
    {
        final Label next = jt == null || jf == null ? label() : null;
        add(new Instruction(code, k, jt == null ? next : jt, jf == null ? next : jf));
        if (next != null)
        {
            bind(next);
        }
    }

    /**
     * Emit an unconditional jump.
     *
     * @param target where to go.
     */
    void always(final Label target)
    {
        add(new Instruction(Bpf.JMP | Bpf.JA, 0, target, null));
    }

    /**
     * @return the program with every label resolved and every offset in range.
     * @throws IllegalStateException when a label was never bound, or a jump goes backwards: compiler bugs.
     */
    BpfProgram assemble()
    {
        if (!pending.isEmpty())
        {
            throw new IllegalStateException("label bound after the last instruction");
        }
        while (insertTrampoline())
        {
            // Each pass inserts one trampoline; passes end when every conditional offset fits.
        }
        final Map<Instruction, Integer> positions = positions();
        final long[] packed = new long[instructions.size()];
        for (int pc = 0; pc < packed.length; pc++)
        {
            final Instruction instruction = instructions.get(pc);
            if (instruction.isAlways())
            {
                packed[pc] = Bpf.pack(instruction.code, 0, 0, offset(positions, pc, instruction.jt));
            }
            else if (instruction.isConditional())
            {
                packed[pc] = Bpf.pack(instruction.code, offset(positions, pc, instruction.jt),
                    offset(positions, pc, instruction.jf), instruction.k);
            }
            else
            {
                packed[pc] = Bpf.pack(instruction.code, 0, 0, instruction.k);
            }
        }
        return new BpfProgram(packed);
    }

    private boolean insertTrampoline()
    {
        final Map<Instruction, Integer> positions = positions();
        for (int pc = 0; pc < instructions.size(); pc++)
        {
            final Instruction instruction = instructions.get(pc);
            if (!instruction.isConditional())
            {
                continue;
            }
            final boolean farTrue = offset(positions, pc, instruction.jt) > Bpf.MAX_CONDITIONAL_OFFSET;
            final boolean farFalse = offset(positions, pc, instruction.jf) > Bpf.MAX_CONDITIONAL_OFFSET;
            if (farTrue || farFalse)
            {
                final Instruction trampoline = new Instruction(Bpf.JMP | Bpf.JA, 0, farTrue ? instruction.jt :
                    instruction.jf, null);
                instructions.add(pc + 1, trampoline);
                final Label toTrampoline = new Label();
                toTrampoline.target = trampoline;
                if (farTrue)
                {
                    instruction.jt = toTrampoline;
                }
                else
                {
                    instruction.jf = toTrampoline;
                }
                return true;
            }
        }
        return false;
    }

    private Map<Instruction, Integer> positions()
    {
        final Map<Instruction, Integer> positions = new IdentityHashMap<>();
        for (int pc = 0; pc < instructions.size(); pc++)
        {
            positions.put(instructions.get(pc), pc);
        }
        return positions;
    }

    private static int offset(final Map<Instruction, Integer> positions, final int pc, final Label label)
    {
        if (label.target == null)
        {
            throw new IllegalStateException("jump at " + pc + " to a label never bound");
        }
        final int offset = positions.get(label.target) - pc - 1;
        if (offset < 0)
        {
            throw new IllegalStateException("jump at " + pc + " goes backwards");
        }
        return offset;
    }

    private void add(final Instruction instruction)
    {
        instructions.add(instruction);
        for (final Label label : pending)
        {
            label.target = instruction;
        }
        pending.clear();
    }
}
