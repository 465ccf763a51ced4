/**
 * The synthetic traffic generator: a seeded, reproducible capture of many concurrent TCP connections with chosen
 * rates of loss, reordering, duplication and conflicting overlaps, written together with the bytes each stream should
 * reassemble to, so that the same file is a load-test input and a correctness oracle.
 */
package io.flowtap.perf.gen;
