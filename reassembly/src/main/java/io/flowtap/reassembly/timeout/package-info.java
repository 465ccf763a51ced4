/**
 * Idle timeouts: the engine's packet-time clock and each flow's last activity ({@link IdleTimeouts}), over
 * least-recently-active lists of flow-table slots, one per connection state ({@link ActivityLists}), so that finding
 * the flows to expire or to evict is a look at the list tails, never a scan.
 */
package io.flowtap.reassembly.timeout;
