/**
 * {@code flowtap journal ...}: tools for what flowtap journaled.
 */
package io.flowtap.tools.journal;
