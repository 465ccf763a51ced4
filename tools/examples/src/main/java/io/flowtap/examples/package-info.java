/**
 * Handlers written as a flowtap user writes them, against the public API only, each a port of one reference system's
 * own example: {@link io.flowtap.examples.HakaPatternRule} (Haka's firewall rule group), {@link
 * io.flowtap.examples.NetInspectLines} (Net::Inspect's {@code in()} returning the bytes consumed), {@link
 * io.flowtap.examples.TrisulByteCounter} (Trisul's {@code reassembly_handler}) and {@link
 * io.flowtap.examples.PathspiderTcpChain} (PATHspider's {@code TCPChain}); and {@link
 * io.flowtap.examples.EmbeddedSensor}, a program that runs a sensor's pipeline with its own handlers.
 * <p>
 * Each handler is one source file that compiles on its own, so each also runs without a build as
 * {@code flowtap read FILE --handler-source .../HakaPatternRule.java}; the tools module's tests run every one of them
 * both ways on bundled captures.
 */
package io.flowtap.examples;
