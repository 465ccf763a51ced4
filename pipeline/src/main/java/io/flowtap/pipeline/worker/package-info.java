/**
 * Reassembly workers: agents that each own a reassembly engine, its handlers and a share of the flows, fed by the
 * pollers over single-producer single-consumer queues of zero-copy hand-offs; or, in a pipeline that does not
 * reassemble, hand each segment to a {@code SegmentHandler} (capture's printing).
 */
package io.flowtap.pipeline.worker;
