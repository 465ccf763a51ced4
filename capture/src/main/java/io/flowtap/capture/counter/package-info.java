/**
 * What every counter of the appliance is, and where it is written: each stage's counters are an enum of
 * {@link io.flowtap.capture.counter.CounterDescriptor}s (label, type, unit), and each holder writes Agrona
 * {@link org.agrona.concurrent.status.AtomicCounter}s that a {@link io.flowtap.capture.counter.CounterAllocator}
 * gave it: in the sensor's counters file, or in this process's memory for tests and embedded use.
 */
package io.flowtap.capture.counter;
