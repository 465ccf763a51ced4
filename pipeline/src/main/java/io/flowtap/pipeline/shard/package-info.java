/**
 * Flow sharding and the zero-copy hand-off between pollers and workers: each poller hashes a segment's flow,
 * picks its worker, and queues a preallocated {@link io.flowtap.pipeline.shard.FrameHandOff} that says where the frame
 * is, through one bounded single-producer single-consumer {@link io.flowtap.pipeline.shard.HandOffQueue} per poller
 * and worker; ring blocks are counted in a {@link io.flowtap.pipeline.shard.BlockLedger} so the poller gives them back
 * to the kernel, in order, once every worker is done with their frames.
 */
package io.flowtap.pipeline.shard;
