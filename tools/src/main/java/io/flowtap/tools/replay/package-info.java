/**
 * Replaying a capture file through the reassembly engine on the calling thread, for the commands that do not run the
 * whole pipeline ({@code streams}, {@code flows}).
 */
package io.flowtap.tools.replay;
