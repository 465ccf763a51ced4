/**
 * Live capture harnesses, run as plain mains rather than JMH: they need root, a veth pair in a network namespace and
 * external programs (a sender, a peer capturer), and measure a whole process pair rather than a method.
 */
package io.flowtap.perf.live;
