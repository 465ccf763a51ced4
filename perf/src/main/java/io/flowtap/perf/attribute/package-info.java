/**
 * Benchmarks of the attribute extractors: what finding HTTP and TLS attributes adds to reassembling a connection.
 */
package io.flowtap.perf.attribute;
