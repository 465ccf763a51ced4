/**
 * Flow sharding and the zero-copy hand-off between pollers and workers: each poller decodes a frame once, hashes its
 * flow, picks its worker, and fills a {@link io.flowtap.pipeline.shard.SegmentDescriptor} record in the
 * {@link io.flowtap.pipeline.shard.SegmentRing} from it to that worker: where the frame is and what its headers are,
 * so the worker parses nothing again. Workers finish records in order, so the rings' head positions tell a poller
 * when every frame of a ring block is done and the block can go back to the kernel.
 */
package io.flowtap.pipeline.shard;
