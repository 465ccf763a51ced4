package io.flowtap.reassembly;

import io.flowtap.capture.codec.PacketDecoder;
import org.agrona.DirectBuffer;

/**
 * A user's handler, fenced off so that what it throws cannot stop its worker or reach another flow or handler. Every
 * callback is passed on inside a {@code try}; an exception is reported to the sensor's {@link HandlerErrors} (counted,
 * logged once per distinct error), the flow is marked ({@link Flow#handlerFailed()}, journaled with the flow's end),
 * and this handler gets no more of that flow's events but {@link #onTerminate}, so that it can release what it keeps
 * for the flow. The engine then goes on as if the handler had done nothing: it consumed the bytes, voted
 * {@link #VOTE_ABSTAIN}, kept the connection and the packet.
 * <p>
 * The engine's own state is never half updated by a user's exception: it does not unwind through the engine, which
 * a handler throwing from {@code onTerminate} would otherwise do between ending a flow and freeing its slot.
 * <p>
 * A {@link VirtualMachineError} other than {@link StackOverflowError} (out of memory, an internal error from a
 * faulting mapping) is not the handler's fault and is not caught: it stops the worker, as it would without a fence.
 * <p>
 * Costs one flag test and one more call per event; allocates nothing unless the handler throws. One per handler per
 * engine, on the engine's thread. The flag is one bit of the flow, so an engine fences at most
 * {@value #MAX_PER_ENGINE} handlers.
 */
public final class IsolatedHandler implements TcpHandler, AutoCloseable
{
    /** Most isolated handlers in one engine. */
    public static final int MAX_PER_ENGINE = Long.SIZE;

    private final TcpHandler delegate;
    private final String name;
    private final long bit;
    private final HandlerErrors errors;

    /**
     * @param delegate the user's handler.
     * @param name     for messages.
     * @param index    of this isolated handler among those of its engine, below {@link #MAX_PER_ENGINE}.
     * @param errors   where to report what it throws.
     */
    public IsolatedHandler(final TcpHandler delegate, final String name, final int index, final HandlerErrors errors)
    {
        if (index < 0 || index >= MAX_PER_ENGINE)
        {
            throw new IllegalArgumentException("at most " + MAX_PER_ENGINE + " isolated handlers per engine: " + index);
        }
        this.delegate = delegate;
        this.name = name;
        this.bit = 1L << index;
        this.errors = errors;
    }

    /**
     * @return the user's handler.
     */
    public TcpHandler delegate()
    {
        return delegate;
    }

    /**
     * @return its name.
     */
    public String name()
    {
        return name;
    }

    /**
     * @param flow a flow.
     * @return whether this handler threw on it (and so is skipping it).
     */
    public boolean hasFailed(final Flow flow)
    {
        return (flow.failedHandlers & bit) != 0;
    }

    @Override
    public int filter(final Flow flow)
    {
        if (hasFailed(flow))
        {
            return VOTE_ABSTAIN;
        }
        try
        {
            return delegate.filter(flow);
        }
        catch (final Throwable ex)
        {
            failed(flow, "filter", ex);
            return VOTE_ABSTAIN;
        }
    }

    @Override
    public boolean onSyn(final Flow flow, final PacketDecoder segment, final long timeNs)
    {
        if (hasFailed(flow))
        {
            return true;
        }
        try
        {
            return delegate.onSyn(flow, segment, timeNs);
        }
        catch (final Throwable ex)
        {
            failed(flow, "onSyn", ex);
            return true;
        }
    }

    @Override
    public void onNewFlow(final Flow flow, final long timeNs)
    {
        if (hasFailed(flow))
        {
            return;
        }
        try
        {
            delegate.onNewFlow(flow, timeNs);
        }
        catch (final Throwable ex)
        {
            failed(flow, "onNewFlow", ex);
        }
    }

    @Override
    public void onEstablished(final Flow flow, final long timeNs)
    {
        if (hasFailed(flow))
        {
            return;
        }
        try
        {
            delegate.onEstablished(flow, timeNs);
        }
        catch (final Throwable ex)
        {
            failed(flow, "onEstablished", ex);
        }
    }

    @Override
    public boolean onPacket(final Flow flow, final int direction, final PacketDecoder segment, final long timeNs)
    {
        if (hasFailed(flow))
        {
            return true;
        }
        try
        {
            return delegate.onPacket(flow, direction, segment, timeNs);
        }
        catch (final Throwable ex)
        {
            failed(flow, "onPacket", ex);
            return true;
        }
    }

    @Override
    public int onPayload(
        final Flow flow,
        final int direction,
        final long seekpos,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long timeNs,
        final int eof)
    {
        if (hasFailed(flow))
        {
            return length;
        }
        try
        {
            return delegate.onPayload(flow, direction, seekpos, buffer, offset, length, timeNs, eof);
        }
        catch (final Throwable ex)
        {
            failed(flow, "onPayload", ex);
            return length;
        }
    }

    @Override
    public void onGap(
        final Flow flow, final int direction, final long seekpos, final long length, final GapReason reason,
        final long timeNs)
    {
        if (hasFailed(flow))
        {
            return;
        }
        try
        {
            delegate.onGap(flow, direction, seekpos, length, reason, timeNs);
        }
        catch (final Throwable ex)
        {
            failed(flow, "onGap", ex);
        }
    }

    @Override
    public void onOverlapConflict(
        final Flow flow,
        final int direction,
        final long heldStart,
        final long heldLength,
        final long newStart,
        final long newLength,
        final boolean newKept,
        final long timeNs)
    {
        if (hasFailed(flow))
        {
            return;
        }
        try
        {
            delegate.onOverlapConflict(flow, direction, heldStart, heldLength, newStart, newLength, newKept, timeNs);
        }
        catch (final Throwable ex)
        {
            failed(flow, "onOverlapConflict", ex);
        }
    }

    @Override
    public void onAttribute(
        final Flow flow,
        final int direction,
        final String attributeName,
        final DirectBuffer value,
        final int offset,
        final int length,
        final long timeNs)
    {
        if (hasFailed(flow))
        {
            return;
        }
        try
        {
            delegate.onAttribute(flow, direction, attributeName, value, offset, length, timeNs);
        }
        catch (final Throwable ex)
        {
            failed(flow, "onAttribute", ex);
        }
    }

    /**
     * Passed on even when the handler failed on this flow, so that it can release what it kept for it.
     */
    @Override
    public void onTerminate(final Flow flow, final FlowRecord record)
    {
        try
        {
            delegate.onTerminate(flow, record);
        }
        catch (final Throwable ex)
        {
            failed(flow, "onTerminate", ex);
        }
    }

    /**
     * Close the user's handler if it is {@link AutoCloseable}; what it throws is reported as an error.
     */
    @Override
    public void close()
    {
        if (delegate instanceof AutoCloseable)
        {
            try
            {
                ((AutoCloseable)delegate).close();
            }
            catch (final Throwable ex)
            {
                failed(null, "close", ex);
            }
        }
    }

    @Override
    public String toString()
    {
        return "isolated " + name;
    }

    private void failed(final Flow flow, final String callback, final Throwable ex)
    {
        if (ex instanceof VirtualMachineError && !(ex instanceof StackOverflowError))
        {
            throw (VirtualMachineError)ex;
        }
        if (flow != null)
        {
            flow.failedHandlers |= bit;
        }
        errors.onError(name, delegate.getClass(), flow, callback, ex);
    }
}
