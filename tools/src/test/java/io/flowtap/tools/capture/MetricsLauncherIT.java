package io.flowtap.tools.capture;

import io.flowtap.capture.ring.TcpTransfer;
import io.flowtap.capture.ring.VethPair;
import io.flowtap.tools.Dashboard;
import io.flowtap.tools.LauncherProcesses.Result;
import io.flowtap.tools.LiveLauncherTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code flowtap capture --metrics-listen} on a veth pair, scraped over HTTP while it captures a real connection, as
 * Prometheus scrapes it: the exposition is well-formed text format, and its frame counter is the run's own summary;
 * every metric the Grafana dashboard in {@code packaging/grafana} graphs is one such a sensor serves.
 */
class MetricsLauncherIT extends LiveLauncherTest
{
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern SAMPLE = Pattern.compile(
        "(" + NAME.pattern() + ")(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\",?)*\\})? " +
            "([-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN))( -?[0-9]+)?");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME.pattern() +
        ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME.pattern() + ") .*");

    @Test
    void aScrapeDuringALiveCaptureIsWellFormedAndItsFrameCountIsTheRunsSummary() throws Exception
    {
        veth = VethPair.create();
        final int port = freePort();
        final Process flowtap = launcher.start(List.of(), "capture", "-i", veth.hostInterface(), "--workers", "2",
            "--stats-interval", "0", "--metrics-listen", "127.0.0.1:" + port, "--filter", "tcp");
        launcher.awaitStandardError(flowtap, "flowtap capture: listening on ");
        Map<String, Double> during = parse(scrape(port));
        for (int i = 0; i < 100 && !during.containsKey("flowtap_decode_frames_total"); i++)
        {
            Thread.sleep(100);
            during = parse(scrape(port));
        }
        assertTrue(during.containsKey("flowtap_decode_frames_total"), during::toString);
        try (TcpTransfer transfer = TcpTransfer.start(veth, 100_000, 3))
        {
            transfer.await(60);

            // Counters are published every 200 ms, the latency histograms once a second: wait until two scrapes
            // agree and the latencies of the transfer are in.
            final String endToEnd = "flowtap_latency_seconds_count{stage=\"end-to-end\"}";
            Map<String, Double> last = parse(scrape(port));
            for (int i = 0; i < 50; i++)
            {
                Thread.sleep(500);
                final Map<String, Double> now = parse(scrape(port));
                if (now.get("flowtap_decode_frames_total").equals(last.get("flowtap_decode_frames_total")) &&
                    now.get("flowtap_decode_frames_total") > 0 && now.getOrDefault(endToEnd, 0.0) > 0)
                {
                    last = now;
                    break;
                }
                last = now;
            }
            assertTrue(last.get(endToEnd) > 0, last::toString);
            assertTrue(last.containsKey("flowtap_worker_queue_depth{worker=\"1\"}"), last::toString);

            flowtap.destroy();
            final Result result = launcher.await(flowtap);
            assertEquals(0, result.exitCode(), result.err());
            final Matcher summary = Pattern.compile(
                "(?m)^decode: frames (\\d+)\\n(?:.*\\n)*?decode: tcp segments (\\d+)$").matcher(result.err());
            assertTrue(summary.find(), result.err());
            assertEquals(Double.parseDouble(summary.group(1)), last.get("flowtap_decode_frames_total"), result.err());
            assertEquals(Double.parseDouble(summary.group(2)), last.get("flowtap_decode_tcp_segments_total"));
        }
    }

    @Test
    void everyMetricTheGrafanaDashboardGraphsIsOneALiveSensorServes() throws Exception
    {
        // A sensor with everything that has metrics: workers, latency, the journal, and shipping (to a broker that
        // is not there: its counters are served all the same).
        veth = VethPair.create();
        final int port = freePort();
        final Process flowtap = launcher.start(List.of(), "capture", "-i", veth.hostInterface(), "--workers", "2",
            "--stats-interval", "0", "--metrics-listen", "127.0.0.1:" + port, "--journal",
            tempDir.resolve("journal").toString(), "--kafka", "127.0.0.1:1", "--topic", "flows", "--sensor", "s1");
        launcher.awaitStandardError(flowtap, "flowtap capture: listening on ");
        Map<String, Double> scraped = parse(scrape(port));
        for (int i = 0; i < 100 && !scraped.containsKey("flowtap_ship_lag_events"); i++)
        {
            Thread.sleep(100);
            scraped = parse(scrape(port));
        }
        final Set<String> served = new TreeSet<>();
        for (final String sample : scraped.keySet())
        {
            served.add(sample.replaceFirst("\\{.*", ""));
        }

        final Set<String> graphed = Dashboard.packaged().metrics();
        final Set<String> missing = new TreeSet<>(graphed);
        missing.removeAll(served);
        assertTrue(missing.isEmpty(), "the dashboard graphs metrics flowtap does not serve: " + missing +
            "; served: " + served);
        assertTrue(graphed.size() >= 30, graphed::toString);
    }

    private static String scrape(final int port) throws IOException, InterruptedException
    {
        final HttpResponse<String> response = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
            response.headers()::toString);
        return response.body();
    }

    /**
     * The Prometheus text format (version 0.0.4), strictly: HELP and TYPE lines, then samples of the declared
     * families, each histogram's buckets cumulative and ending at +Inf with its count.
     *
     * @return each sample's value by its name and labels as written.
     */
    private static Map<String, Double> parse(final String text)
    {
        final Map<String, String> types = new HashMap<>();
        final Map<String, Double> samples = new HashMap<>();
        final Map<String, Double> lastBucket = new HashMap<>();
        for (final String line : text.split("\n"))
        {
            if (line.startsWith("#"))
            {
                final Matcher type = TYPE.matcher(line);
                if (type.matches())
                {
                    if (types.put(type.group(1), type.group(2)) != null)
                    {
                        fail("family declared twice: " + line);
                    }
                }
                else if (!HELP.matcher(line).matches())
                {
                    fail("not a HELP or TYPE line: " + line);
                }
                continue;
            }
            final Matcher sample = SAMPLE.matcher(line);
            if (!sample.matches())
            {
                fail("not a sample line: '" + line + "'");
            }
            final String name = sample.group(1);
            final String family = family(name, types);
            if (family == null)
            {
                fail("sample of an undeclared family: " + line);
            }
            final double value = Double.parseDouble(sample.group(3).replace("Inf", "Infinity"));
            final String labels = sample.group(2) == null ? "" : sample.group(2);
            if (name.endsWith("_bucket"))
            {
                final String series = labels.replaceAll(",?le=\"[^\"]*\"", "");
                final Double previous = lastBucket.put(series, value);
                assertTrue(previous == null || previous <= value, "buckets not cumulative: " + line);
                if (labels.contains("le=\"+Inf\""))
                {
                    samples.put(family + "_inf" + series, value);
                }
            }
            if (name.endsWith("_count") && "histogram".equals(types.get(family)))
            {
                assertEquals(samples.get(family + "_inf" + labels), value, "+Inf bucket is the count: " + line);
            }
            samples.put(name + labels, value);
        }
        assertTrue(text.endsWith("\n"));
        return samples;
    }

    private static String family(final String name, final Map<String, String> types)
    {
        if (types.containsKey(name))
        {
            return name;
        }
        for (final String suffix : new String[] {"_total", "_bucket", "_count", "_sum", "_created"})
        {
            if (name.endsWith(suffix) && types.containsKey(name.substring(0, name.length() - suffix.length())))
            {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return null;
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
