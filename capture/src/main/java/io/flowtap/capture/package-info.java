/**
 * Where packets come from: the {@link io.flowtap.capture.FrameSource} contract that capture files and the live ring
 * implement, and the {@link io.flowtap.capture.Frame} view they hand over in place.
 */
package io.flowtap.capture;
