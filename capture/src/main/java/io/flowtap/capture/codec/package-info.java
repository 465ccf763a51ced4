/**
 * Flyweight protocol decoders that read headers in place from an Agrona {@link org.agrona.DirectBuffer}:
 * Ethernet and VLAN tags, Linux cooked and BSD loopback headers, IPv4, IPv6 and its extension headers, TCP, its
 * options and checksum. {@link io.flowtap.capture.codec.PacketDecoder} ties them together, through one decoder per
 * layer family in {@code io.flowtap.capture.codec.layer}, and counts every frame under an outcome.
 * {@link io.flowtap.capture.codec.IpDefragmenter} reassembles fragments (its parts: the datagram table, the page pool
 * and the interval list with the overlap policy), and {@link io.flowtap.capture.codec.DuplicateFilter} drops a SPAN
 * port's second copy.
 */
package io.flowtap.capture.codec;
