package io.flowtap.capture.counter;

/**
 * One counter of a stage: what it is called, whether it counts or measures a level, and what it counts. Each stage
 * lists its counters as an enum implementing this; the pipeline's counter table enumerates every such list and gives
 * each counter its scope (the sensor, a poller, a worker).
 * <p>
 * A counter may be derived: never written, its value is the sum of its list's parts ({@link #isPart()}), as a
 * decoder's frames are its TCP segments plus every drop reason. This saves the hot path one store per frame.
 */
public interface CounterDescriptor
{
    /**
     * @return a short human-readable label, as printed in counter summaries.
     */
    String label();

    /**
     * @return whether the counter counts or measures a level.
     */
    default CounterType type()
    {
        return CounterType.COUNTER;
    }

    /**
     * @return what the counter counts.
     */
    CounterUnit unit();

    /**
     * @return whether the counter is never written: its value is the sum of its list's parts.
     */
    default boolean isDerived()
    {
        return false;
    }

    /**
     * @return whether the counter is one of the parts its list's derived counter adds up.
     */
    default boolean isPart()
    {
        return false;
    }
}
