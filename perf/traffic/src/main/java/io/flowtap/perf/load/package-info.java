/**
 * {@code flowtap loadtest}: a namespace and veth pair, the blaster on one end and a full flowtap pipeline (or a peer
 * capturer) on the other, stepped offered rates, and a report of drops, CPU per packet and stage latency per step.
 */
package io.flowtap.perf.load;
