/**
 * Pollers: one agent per source, a live AF_PACKET socket of a fanout group ({@code LivePoller}) or a capture file
 * ({@code FilePoller}), each on its own thread (pinned when given a CPU), decoding frames in place and handing TCP
 * segments to the workers through its dispatcher; their idle strategies; and the check that the kernel's fanout
 * kept every flow on one poller. Every use of a poller, printing capture included, goes through the pipeline.
 */
package io.flowtap.pipeline.poll;
