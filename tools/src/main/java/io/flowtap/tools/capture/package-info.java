/**
 * {@code flowtap capture}: live capture through AF_PACKET rings, either printing each segment (a pipeline whose worker
 * prints instead of reassembling) or running the sensor ({@code LiveRun} in the sensor's loop).
 */
package io.flowtap.tools.capture;
