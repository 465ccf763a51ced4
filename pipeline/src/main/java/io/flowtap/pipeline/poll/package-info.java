/**
 * Pollers: one agent per AF_PACKET socket of a fanout group, each on its own pinned thread, decoding frames in place
 * in its ring and handing TCP segments on; and the check that the kernel's fanout kept every flow on one poller.
 */
package io.flowtap.pipeline.poll;
