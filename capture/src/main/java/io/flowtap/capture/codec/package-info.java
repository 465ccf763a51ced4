/**
 * Flyweight protocol decoders that read headers in place from an Agrona {@link org.agrona.DirectBuffer}:
 * Ethernet and VLAN tags, Linux cooked and BSD loopback headers, IPv4, IPv6 and its extension headers, TCP, its
 * options and checksum. {@link io.flowtap.capture.codec.PacketDecoder} ties them together and counts every frame
 * under an outcome.
 */
package io.flowtap.capture.codec;
