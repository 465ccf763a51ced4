/**
 * The capturers a load test compares (flowtap's sensor, tcpdump, netsniff-ng) and the Linux statistics it reads
 * their CPU and drops from: whole processes measured around real traffic, not methods in JMH.
 */
package io.flowtap.perf.live;
