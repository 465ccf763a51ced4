/**
 * Putting frames on a wire: the {@link io.flowtap.capture.blast.Blaster} paces frames from a capture file, a journal
 * or a generator into an {@link io.flowtap.capture.ring.AfPacketTransmitter}.
 */
package io.flowtap.capture.blast;
