/**
 * Command-line options several commands share: how frames are decoded ({@code DecoderOptions}) and how the engine
 * reassembles ({@code EngineOptions}), each a picocli mixin that checks its ranges and builds its context.
 */
package io.flowtap.tools.options;
