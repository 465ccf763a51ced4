/**
 * JNA bindings to the Linux calls flowtap needs. The only package that may touch JNA; its API is primitives only
 * (file descriptors, {@code long} addresses, negative errno values).
 */
package io.flowtap.linux;
