/**
 * The live source: an AF_PACKET socket with a TPACKET_V3 ring, read in place
 * ({@link io.flowtap.capture.ring.AfPacketRingSource}), its validated shape
 * ({@link io.flowtap.capture.ring.RingGeometry}), the socket's set-up in the kernel's order ({@code RingSocket}), the
 * ring's counters ({@link io.flowtap.capture.ring.RingCounters}) and the kernel's block and packet header layouts.
 */
package io.flowtap.capture.ring;
