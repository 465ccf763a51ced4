/**
 * The sensor the {@code capture} and {@code read} commands run around a pipeline: its options, what it owns (journals,
 * histograms, counters file, shipper), and its one loop ({@code Sensor.run}), to which each command gives its
 * differences as a {@code SensorRun}.
 */
package io.flowtap.tools.sensor;
