/**
 * {@code flowtap gen}: synthetic captures with their expected streams.
 */
package io.flowtap.tools.gen;
