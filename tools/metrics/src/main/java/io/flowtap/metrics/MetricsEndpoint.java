package io.flowtap.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A sensor's counters on {@code http://ADDR:PORT/metrics}, served by the Prometheus Java client's HTTP server on a
 * thread of its own, read from the counters file at each scrape: nothing on the packet path knows it is there.
 */
public final class MetricsEndpoint implements AutoCloseable
{
    private final HTTPServer server;

    private MetricsEndpoint(final HTTPServer server)
    {
        this.server = server;
    }

    /**
     * Serve the counters.
     *
     * @param listen   {@code ADDR:PORT}, {@code :PORT} for every address, or {@code [v6]:PORT}; port 0 takes any.
     * @param counters to serve.
     * @return the endpoint, serving.
     * @throws IllegalArgumentException when {@code listen} is not an address and port.
     * @throws UncheckedIOException     when it cannot listen there.
     */
    public static MetricsEndpoint start(final String listen, final CountersReader counters)
    {
        final int colon = listen.lastIndexOf(':');
        final int port;
        try
        {
            port = colon < 0 ? -1 : Integer.parseInt(listen.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("--metrics-listen takes ADDR:PORT, not '" + listen + "'", ex);
        }
        if (port < 0 || port > 65535)
        {
            throw new IllegalArgumentException("--metrics-listen takes ADDR:PORT, not '" + listen + "'");
        }
        String host = listen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]"))
        {
            host = host.substring(1, host.length() - 1);
        }
        final PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new CountersCollector(counters));
        try
        {
            final HTTPServer.Builder builder = HTTPServer.builder().port(port).registry(registry);
            if (!host.isEmpty())
            {
                builder.inetAddress(InetAddress.getByName(host));
            }
            return new MetricsEndpoint(builder.buildAndStart());
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalArgumentException("--metrics-listen: no such address '" + host + "'", ex);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("--metrics-listen " + listen + ": cannot listen there: " + ex.getMessage(),
                ex);
        }
    }

    /**
     * @return the port it listens on (the one taken, for port 0).
     */
    public int port()
    {
        return server.getPort();
    }

    /**
     * Write the counters once in the Prometheus text format, as {@code /metrics} serves them.
     *
     * @param counters to write.
     * @param out      to write to.
     * @throws IOException when it cannot be written.
     */
    public static void write(final CountersReader counters, final OutputStream out) throws IOException
    {
        PrometheusTextFormatWriter.create().write(out, new CountersCollector(counters).collect());
        out.flush();
    }

    @Override
    public void close()
    {
        server.close();
    }
}
