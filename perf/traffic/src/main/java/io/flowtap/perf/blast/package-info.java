/**
 * Putting frames on a wire: the {@link io.flowtap.perf.blast.Blaster} paces frames from a capture file, a journal
 * or a generator into an {@link io.flowtap.capture.ring.AfPacketTransmitter}. Traffic for testing a sensor, not part
 * of one: it lives beside the generator and the load test, not in {@code capture}.
 */
package io.flowtap.perf.blast;
