/**
 * {@code flowtap blast}: send a capture out of an interface through a transmit ring.
 */
package io.flowtap.tools.blast;
