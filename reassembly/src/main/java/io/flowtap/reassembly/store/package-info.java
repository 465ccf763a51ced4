/**
 * The engine's buffers for bytes that must wait: an off-heap page store that holds stream bytes by stream offset, and
 * a pool of segment records that remembers what arrived where and when. Both are sized once, at start, and hand out
 * and take back ints; nothing here allocates after construction.
 */
package io.flowtap.reassembly.store;
