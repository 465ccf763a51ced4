/**
 * {@code flowtap read}: a capture file through the whole pipeline, as the sensor runs live traffic ({@code FileRun} in
 * the sensor's loop).
 */
package io.flowtap.tools.read;
