/**
 * The decoder's layers, one class per family of headers: the link layer ({@link
 * io.flowtap.capture.codec.layer.LinkLayerDecoder}), Ethernet and what an EtherType names before IP (VLAN tags,
 * VN-Tag, FabricPath, PPPoE, MPLS), the IP layer, tunnels in UDP and GRE, the fragment hand-off and TCP. Each reads
 * its header in place and calls the next layer directly; what they find goes into one
 * {@link io.flowtap.capture.codec.layer.DecodedFrame}, which {@link io.flowtap.capture.codec.PacketDecoder}, the
 * public front, reads. Internal: use {@code PacketDecoder}.
 */
package io.flowtap.capture.codec.layer;
