/**
 * What {@code streams}, {@code flows} and {@code journal export} write: one file per direction under tcpflow's names
 * (buffered, with a bounded set of open files), gaps filled or not, and the flow records as text or JSON lines.
 */
package io.flowtap.tools.output;
