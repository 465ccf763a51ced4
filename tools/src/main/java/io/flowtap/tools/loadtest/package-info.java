/**
 * {@code flowtap loadtest}: the highest rate flowtap captures without loss, and what it costs, beside tcpdump.
 */
package io.flowtap.tools.loadtest;
