/**
 * Zeek's view of each connection, kept beside the engine's own so that a flow's record says what Zeek's
 * {@code conn.log} would: {@link ZeekConnection} follows each endpoint's state by the rules of Zeek's TCP analyzer and
 * writes the {@code history} letters into the record's {@link ZeekHistory}, and gives the {@code conn_state} when the
 * flow ends.
 */
package io.flowtap.reassembly.history;
