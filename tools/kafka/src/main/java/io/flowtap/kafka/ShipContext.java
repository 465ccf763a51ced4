package io.flowtap.kafka;

import io.flowtap.pipeline.stats.CountersFile;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What a {@link JournalShipper} ships, where to, and how: fluent setters, then {@link #conclude()}.
 */
public final class ShipContext
{
    /** Compression of the producer's batches by default. */
    public static final String COMPRESSION_DEFAULT = "zstd";
    /** Bytes sent and not yet acknowledged at most, so that the producer's buffer never fills and blocks. */
    public static final long MAX_IN_FLIGHT_BYTES_DEFAULT = 32L * 1024 * 1024;

    private Path journal;
    private String bootstrapServers;
    private String topic;
    private String sensor;
    private Path positionFile;
    private String compression = COMPRESSION_DEFAULT;
    private final Map<String, String> producerProperties = new LinkedHashMap<>();
    private Consumer<String> log = line -> System.err.println(line);
    private CountersFile counters;
    private long maxInFlightBytes = MAX_IN_FLIGHT_BYTES_DEFAULT;

    /**
     * @param journal directory to ship.
     * @return this.
     */
    public ShipContext journal(final Path journal)
    {
        this.journal = journal;
        return this;
    }

    /**
     * @param bootstrapServers {@code HOST:PORT[,HOST:PORT...]}.
     * @return this.
     */
    public ShipContext bootstrapServers(final String bootstrapServers)
    {
        this.bootstrapServers = bootstrapServers;
        return this;
    }

    /**
     * @param topic to produce to.
     * @return this.
     */
    public ShipContext topic(final String topic)
    {
        this.topic = topic;
        return this;
    }

    /**
     * @param sensor name in every record.
     * @return this.
     */
    public ShipContext sensor(final String sensor)
    {
        this.sensor = sensor;
        return this;
    }

    /**
     * @param positionFile where acknowledged positions are kept; by default in the journal's directory.
     * @return this.
     */
    public ShipContext positionFile(final Path positionFile)
    {
        this.positionFile = positionFile;
        return this;
    }

    /**
     * @param compression of the producer's batches: zstd, lz4, gzip, snappy or none.
     * @return this.
     */
    public ShipContext compression(final String compression)
    {
        this.compression = compression;
        return this;
    }

    /**
     * @param key   a Kafka producer setting, which wins over the shipper's own.
     * @param value its value.
     * @return this.
     */
    public ShipContext producerProperty(final String key, final String value)
    {
        producerProperties.put(key, value);
        return this;
    }

    /**
     * @param log receives the shipper's lines (a broker lost and found, damage passed over), without a prefix, from
     *            its thread.
     * @return this.
     */
    public ShipContext log(final Consumer<String> log)
    {
        this.log = log;
        return this;
    }

    /**
     * @param counters where the shipper's counters go; its own, in memory, when not given.
     * @return this.
     */
    public ShipContext counters(final CountersFile counters)
    {
        this.counters = counters;
        return this;
    }

    /**
     * @param maxInFlightBytes bytes sent and not acknowledged at most.
     * @return this.
     */
    public ShipContext maxInFlightBytes(final long maxInFlightBytes)
    {
        this.maxInFlightBytes = maxInFlightBytes;
        return this;
    }

    /**
     * Check the settings and fill in defaults.
     *
     * @return this.
     * @throws IllegalArgumentException naming what is missing or wrong.
     */
    public ShipContext conclude()
    {
        Objects.requireNonNull(journal, "journal");
        if (bootstrapServers == null || bootstrapServers.isBlank())
        {
            throw new IllegalArgumentException("--kafka needs HOST:PORT[,HOST:PORT...]");
        }
        if (topic == null || !topic.matches("[A-Za-z0-9._-]{1,249}"))
        {
            throw new IllegalArgumentException("--topic needs a Kafka topic name (letters, digits, '.', '_', '-'), " +
                "not '" + topic + "'");
        }
        final String problem = sensor == null ? "a sensor needs a name (--sensor)" :
            ShipRecord.sensorNameProblem(sensor);
        if (problem != null)
        {
            throw new IllegalArgumentException(problem);
        }
        if (!compression.matches("zstd|lz4|gzip|snappy|none"))
        {
            throw new IllegalArgumentException("--compression takes zstd, lz4, gzip, snappy or none, not '" +
                compression + "'");
        }
        if (positionFile == null)
        {
            positionFile = ShipPosition.defaultPath(journal, topic);
        }
        return this;
    }

    Path journal()
    {
        return journal;
    }

    String bootstrapServers()
    {
        return bootstrapServers;
    }

    /**
     * @return the topic.
     */
    public String topic()
    {
        return topic;
    }

    /**
     * @return the sensor's name.
     */
    public String sensor()
    {
        return sensor;
    }

    /**
     * @return the position file.
     */
    public Path positionFile()
    {
        return positionFile;
    }

    String compression()
    {
        return compression;
    }

    Map<String, String> producerProperties()
    {
        return producerProperties;
    }

    Consumer<String> log()
    {
        return log;
    }

    CountersFile counters()
    {
        return counters;
    }

    long maxInFlightBytes()
    {
        return maxInFlightBytes;
    }
}
