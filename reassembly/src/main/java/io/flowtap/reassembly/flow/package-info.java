/**
 * Flow identity and the flow table: a symmetric key for both directions of a TCP connection, and a bounded,
 * allocation-free table that gives each live flow a dense id.
 */
package io.flowtap.reassembly.flow;
