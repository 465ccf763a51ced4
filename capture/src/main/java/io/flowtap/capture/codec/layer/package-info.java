/**
 * The decoder's layers, one class per family of headers: the link layer ({@link
 * io.flowtap.capture.codec.layer.LinkLayerDecoder}), Ethernet and what an EtherType names before IP (VLAN tags,
 * VN-Tag, FabricPath, PPPoE, MPLS), the IP layer, tunnels in UDP and GRE, the fragment hand-off and TCP. Each reads
 * its header in place and calls the next layer directly; what they find goes into one
 * {@link io.flowtap.capture.codec.layer.DecodedFrame}, which {@link io.flowtap.capture.codec.PacketDecoder}, the
 * public front, reads. Internal: use {@code PacketDecoder}.
 * <p>
 * This is the hottest code of the product: the classes are final and call each other directly (one monomorphic
 * descent through the frame, no allocation), and the {@code DecodedFrame} is passed down as a parameter rather than
 * held in a field of each decoder, so that the JIT sees one object all the way down and keeps what one layer wrote
 * for the next in registers, as it did when the decoder was one class.
 */
package io.flowtap.capture.codec.layer;
