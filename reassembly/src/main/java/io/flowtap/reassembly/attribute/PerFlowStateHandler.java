package io.flowtap.reassembly.attribute;

import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.reassembly.GapReason;
import io.flowtap.reassembly.TcpHandler;
import org.agrona.DirectBuffer;

import java.util.function.Supplier;

/**
 * A handler that keeps state per flow, as gopacket's {@code StreamFactory} makes a {@code Stream} per connection:
 * when a flow first brings bytes it takes a state from a pool (filled up front from the factory), clears it and
 * keeps it in the flow's data slot; it hands that state to the subclass's per-flow callbacks, and gives it back to
 * the pool when the flow ends. A subclass only parses; a flow that never brings a byte costs no state. Nothing is
 * allocated in steady state, only when more flows are open at once than the pool was filled for (then the pool keeps
 * the new states).
 * <p>
 * Owned by the engine's thread, as every handler is.
 *
 * @param <S> the per-flow state.
 */
abstract class PerFlowStateHandler<S extends PerFlowStateHandler.FlowState> implements TcpHandler
{
    /**
     * Per-flow state made by the factory and reused from flow to flow.
     */
    interface FlowState
    {
        /**
         * Made ready for a new flow: nothing left of the last one.
         */
        void clear();
    }

    private final int dataSlot;
    private final StatePool<S> pool;

    /**
     * @param dataSlot flow data slot the state is kept in.
     * @param factory  makes a state.
     * @param poolSize states made up front (the flows expected at once).
     */
    PerFlowStateHandler(final int dataSlot, final Supplier<S> factory, final int poolSize)
    {
        this.dataSlot = dataSlot;
        this.pool = new StatePool<>(factory, poolSize);
    }

    /**
     * @return flow states made so far, the initial pool included (more than the pool size means it grew).
     */
    public long statesCreated()
    {
        return pool.created();
    }

    /**
     * Takes the flow's state (a fresh one on the flow's first bytes) and parses with it.
     */
    @Override
    public final int onPayload(
        final Flow flow,
        final int direction,
        final long seekpos,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long timeNs,
        final int eof)
    {
        @SuppressWarnings("unchecked")
        S state = (S)flow.data(dataSlot);
        if (state == null)
        {
            if (length == 0)
            {
                return 0;
            }
            state = pool.take();
            state.clear();
            flow.data(dataSlot, state);
        }
        return onPayload(state, flow, direction, seekpos, buffer, offset, length, timeNs, eof);
    }

    /**
     * A gap in a flow that has a state.
     */
    @Override
    public final void onGap(
        final Flow flow, final int direction, final long seekpos, final long length, final GapReason reason,
        final long timeNs)
    {
        @SuppressWarnings("unchecked")
        final S state = (S)flow.data(dataSlot);
        if (state != null)
        {
            onGap(state, direction);
        }
    }

    /**
     * The flow's state goes back to the pool.
     */
    @Override
    public final void onTerminate(final Flow flow, final FlowRecord record)
    {
        @SuppressWarnings("unchecked")
        final S state = (S)flow.data(dataSlot);
        if (state != null)
        {
            flow.data(dataSlot, null);
            pool.give(state);
        }
    }

    /**
     * {@link TcpHandler#onPayload} with the flow's state.
     *
     * @param state     the flow's state.
     * @param flow      the flow.
     * @param direction of the bytes.
     * @param seekpos   stream offset of the first byte.
     * @param buffer    holding the bytes.
     * @param offset    of the first byte in {@code buffer}.
     * @param length    bytes offered.
     * @param timeNs    capture time.
     * @param eof       as {@link TcpHandler#onPayload}'s.
     * @return bytes consumed, as {@link TcpHandler#onPayload}'s.
     */
    abstract int onPayload(
        S state,
        Flow flow,
        int direction,
        long seekpos,
        DirectBuffer buffer,
        int offset,
        int length,
        long timeNs,
        int eof);

    /**
     * A gap in one direction of a flow that has a state: what follows it cannot be parsed as a continuation.
     *
     * @param state     the flow's state.
     * @param direction of the gap.
     */
    abstract void onGap(S state, int direction);
}
