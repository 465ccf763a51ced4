/**
 * Active response: the RST frames the engine sends to both ends of a connection a handler asked to reset
 * ({@link io.flowtap.reassembly.Flow#reset()}), built in place from the segment just handled
 * ({@link RstFrameBuilder}) and sent through the engine's {@link io.flowtap.capture.FrameSender}
 * ({@link ActiveResponder}). Which flows to reset is the handlers' choice, e.g. the rule handler
 * {@link io.flowtap.reassembly.FlowRuleHandler}.
 */
package io.flowtap.reassembly.response;
