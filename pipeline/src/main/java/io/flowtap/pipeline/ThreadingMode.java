package io.flowtap.pipeline;

/**
 * How a pipeline's agents get threads: a deployment choice, not a code one.
 */
public enum ThreadingMode
{
    /** One thread per poller and per worker, each optionally pinned to a CPU. */
    DEDICATED,
    /** Every agent on one thread, in turn (pollers first): for small machines and small files. */
    SHARED,
    /** No thread at all: the caller steps every agent with {@link Pipeline#doWork()} (tests, embedding). */
    INVOKER
}
