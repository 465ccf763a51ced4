/**
 * Benchmarks of the pipeline's parts: the poller-to-worker hand-off beside JCTools' queues.
 */
package io.flowtap.perf.pipeline;
