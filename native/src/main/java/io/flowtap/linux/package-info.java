/**
 * JNA bindings to the Linux calls flowtap needs. The only package that may touch JNA; its API is primitives only
 * (file descriptors, {@code long} addresses, negative errno values).
 * <p>
 * Setup calls ({@link io.flowtap.linux.AfPacket#open()}, the ring and fanout options, {@code mmap}) throw
 * {@link io.flowtap.linux.LinuxException} with one line for a person. Calls on the idle and statistics paths
 * ({@link io.flowtap.linux.Poll#poll}, {@link io.flowtap.linux.AfPacket#readStatistics}) are direct-mapped, take
 * caller-owned memory by address, allocate nothing and return a negative errno.
 */
package io.flowtap.linux;
