/**
 * {@code flowtap ship}: a journal shipped to a Kafka topic.
 */
package io.flowtap.tools.ship;
