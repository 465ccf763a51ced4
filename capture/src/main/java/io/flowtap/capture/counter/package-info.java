/**
 * What every counter of the appliance is, and where it is written: each stage's counters are an enum of
 * {@link io.flowtap.capture.counter.CounterDescriptor}s (label, type, unit); a
 * {@link io.flowtap.capture.counter.CounterAllocator} allocates a list of them as Agrona counters, one after another,
 * in the sensor's counters file or in this process's memory, and the holder writes them in place through the list's
 * {@link io.flowtap.capture.counter.CounterValues}.
 */
package io.flowtap.capture.counter;
