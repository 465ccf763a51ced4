/**
 * The sensor's stages between the capture and the handlers: pollers that decode each frame once ({@code poll}), the
 * descriptor rings that shard segments to reassembly workers by flow ({@code shard}), the workers ({@code worker}),
 * latency histograms and counters ({@code stats}). The journal the workers write through is a module of its own
 * ({@code flowtap-journal}, {@code io.flowtap.pipeline.journal}), which this module does not depend on.
 */
package io.flowtap.pipeline;
