package io.flowtap.reassembly.corpus;

import io.flowtap.capture.CaptureFileException;
import io.flowtap.capture.codec.ChecksumMode;
import io.flowtap.capture.codec.PacketDecoder;
import io.flowtap.capture.file.CaptureFileSource;
import io.flowtap.capture.file.CaptureFiles;
import io.flowtap.capture.test.Corpus;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.reassembly.FrameFeeder;
import io.flowtap.reassembly.ReassemblyEngine;
import io.flowtap.reassembly.TcpHandler;
import io.flowtap.reassembly.attribute.AttributeNames;
import io.flowtap.reassembly.attribute.HttpAttributeExtractor;
import io.flowtap.reassembly.attribute.TlsAttributeExtractor;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP and TLS attributes flowtap's extractors find, against the values suricata-verify expects of Suricata in
 * its {@code test.yaml} checks: {@code http.hostname}, {@code http.url}, {@code http.http_user_agent},
 * {@code http.http_content_type}, {@code http.status}, {@code tls.sni}, {@code tls.version}, the {@code O} of
 * {@code tls.subject} and the first authority of {@code tls.issuerdn}. A field agrees when some flow with the check's
 * addresses and ports (either way round) reported that value; checks that expect no event ({@code count: 0}) and
 * checks for older Suricata versions are left out.
 * <p>
 * Suricata normalises some fields, so the comparison does as its eve output does: the host name lower-cased and
 * without a port (or taken from an absolute URI), the content type without parameters, the version as a name.
 * The sweep asserts the exact number of fields that agree today, so a regression fails it; disagreements are printed.
 */
@Tag("corpus")
class CorpusSuricataAttributesTest
{
    /**
     * Fields that agree (of 791 compared). The 28 others, printed each run: HTTP/2 (http2-*, 14 fields; flowtap reads
     * HTTP/1.x only, and after an h2c upgrade's 101 stops); TLS after another protocol (bug-2430 behind an HTTP
     * CONNECT, ldap-starttls, pgsql-upgrade-tls; 6), since TLS is recognised at the start of a stream only; a
     * ClientHello never answered (bug-5713-*, 2), where Suricata logs the client's version and flowtap reports the
     * ServerHello's only; a request line never ended (bug-3844, bug-4702-01: {@code GET /} then a RST; 2); and
     * engine-level differences: a RST carrying TCP-AO accepted (security-4710-*, 2), retried SYNs with new ISNs on
     * one port (bug-7657-*, 2), data on a SYN ignored (tcp-fastopen-10, 1).
     */
    private static final int AGREEING_FIELDS = 763;

    private static final List<String> FIELDS = List.of("http.hostname", "http.url", "http.http_user_agent",
        "http.http_content_type", "http.status", "tls.sni", "tls.version", "tls.subject", "tls.issuerdn");
    private static final Pattern DN_KEY = Pattern.compile("(?:^|, ?)([A-Za-z][A-Za-z0-9.]*)=");

    /** One flow's attributes, by name, as flowtap ended it. */
    private record Seen(String client, int clientPort, String server, int serverPort, Map<String, List<String>> values)
    {
        List<String> values(final String name)
        {
            return values.getOrDefault(name, List.of());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldFindTheHttpAndTlsValuesSuricataFinds() throws IOException
    {
        final Path tests = Corpus.dir().resolve("suricata-verify/tests");
        final Map<Path, List<Seen>> replays = new HashMap<>();
        final Map<String, Integer> compared = new TreeMap<>();
        final Map<String, Integer> agreedByField = new TreeMap<>();
        final Map<String, Integer> leftOut = new TreeMap<>();
        final List<String> disagreements = new ArrayList<>();
        int agreed = 0;
        for (final Path testYaml : testYamls(tests))
        {
            final Path dir = testYaml.getParent();
            final Object loaded = new Yaml().load(Files.readString(testYaml));
            if (!(loaded instanceof Map) || !(((Map<String, Object>)loaded).get("checks") instanceof List))
            {
                continue;
            }
            final Map<String, Object> test = (Map<String, Object>)loaded;
            for (final Object check : (List<Object>)test.get("checks"))
            {
                if (!(check instanceof Map) || !(((Map<String, Object>)check).get("filter") instanceof Map))
                {
                    continue;
                }
                final Map<String, Object> filter = (Map<String, Object>)((Map<String, Object>)check).get("filter");
                if (!(filter.get("match") instanceof Map))
                {
                    continue;
                }
                final Map<String, Object> match = flatten((Map<String, Object>)filter.get("match"));
                final List<String> fields = FIELDS.stream().filter(match::containsKey).toList();
                if (fields.isEmpty())
                {
                    continue;
                }
                final Map<String, Object> requires = (Map<String, Object>)filter.get("requires");
                if (requires != null && requires.containsKey("lt-version"))
                {
                    leftOut.merge("check for an older Suricata (lt-version)", fields.size(), Integer::sum);
                    continue;
                }
                if (number(filter.get("count"), 1) == 0)
                {
                    leftOut.merge("check that expects no event (count: 0)", fields.size(), Integer::sum);
                    continue;
                }
                final Path pcap = pcap(test, dir);
                if (pcap == null)
                {
                    leftOut.merge("no single capture", fields.size(), Integer::sum);
                    continue;
                }
                final List<Seen> flows = replays.computeIfAbsent(pcap, CorpusSuricataAttributesTest::replay);
                for (final String field : fields)
                {
                    final String expected = String.valueOf(match.get(field));
                    final String wanted = expectedValue(field, expected);
                    if (wanted == null)
                    {
                        leftOut.merge(field + " without a value flowtap reports", 1, Integer::sum);
                        continue;
                    }
                    compared.merge(field, 1, Integer::sum);
                    final List<String> seen = new ArrayList<>();
                    boolean found = false;
                    for (final Seen flow : flows)
                    {
                        if (tupleMatches(match, flow, false) || tupleMatches(match, flow, true))
                        {
                            for (final String value : seenValues(field, flow))
                            {
                                seen.add(value);
                                found |= wanted.equals(value);
                            }
                        }
                    }
                    if (found)
                    {
                        agreed++;
                        agreedByField.merge(field, 1, Integer::sum);
                    }
                    else
                    {
                        disagreements.add(tests.relativize(dir) + ": " + field + " expected '" + wanted + "', saw " +
                            (seen.size() > 6 ? seen.subList(0, 6) + "..." : seen));
                    }
                }
            }
        }

        final int total = compared.values().stream().mapToInt(Integer::intValue).sum();
        System.out.printf("suricata-verify attributes: %d of %d fields agree (%d captures)%n",
            agreed, total, replays.size());
        compared.forEach((field, count) -> System.out.printf("  %-24s %d of %d%n", field,
            agreedByField.getOrDefault(field, 0), count));
        leftOut.forEach((reason, count) -> System.out.printf("  left out: %d fields, %s%n", count, reason));
        disagreements.forEach(line -> System.out.println("  DISAGREE " + line));
        assertTrue(total > 100, "fields compared: " + total);
        assertEquals(AGREEING_FIELDS, agreed, "fields that agree with Suricata (disagreements printed above)");
    }

    /**
     * @return the value flowtap should report for an expected eve field, in flowtap's form, or null when the field
     * holds nothing flowtap reports (a subject without an O).
     */
    private static String expectedValue(final String field, final String expected)
    {
        switch (field)
        {
            case "tls.version":
                switch (expected)
                {
                    case "SSLv3":
                        return "0300";
                    case "TLS 1.0":
                    case "TLSv1":
                        return "0301";
                    case "TLS 1.1":
                        return "0302";
                    case "TLS 1.2":
                        return "0303";
                    case "TLS 1.3":
                        return "0304";
                    default:
                        return null;
                }
            case "tls.subject":
                return dnPart(expected, "O");
            case "tls.issuerdn":
            {
                final String organisation = dnPart(expected, "O");
                return organisation != null ? organisation : dnPart(expected, "CN");
            }
            default:
                return expected;
        }
    }

    private static List<String> seenValues(final String field, final Seen flow)
    {
        switch (field)
        {
            case "http.hostname":
            {
                final List<String> hosts = new ArrayList<>();
                for (final String host : flow.values(AttributeNames.HOST))
                {
                    hosts.add(hostname(host));
                }
                for (final String uri : flow.values(AttributeNames.URI))
                {
                    final int scheme = uri.indexOf("://");
                    if (scheme > 0)
                    {
                        final int slash = uri.indexOf('/', scheme + 3);
                        hosts.add(hostname(uri.substring(scheme + 3, slash < 0 ? uri.length() : slash)));
                    }
                }
                return hosts;
            }
            case "http.url":
                return flow.values(AttributeNames.URI);
            case "http.http_user_agent":
                return flow.values(AttributeNames.USER_AGENT);
            case "http.http_content_type":
            {
                final List<String> types = new ArrayList<>();
                for (final String type : flow.values(AttributeNames.CONTENT_TYPE))
                {
                    final int semicolon = type.indexOf(';');
                    types.add((semicolon < 0 ? type : type.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT));
                }
                return types;
            }
            case "http.status":
                return flow.values(AttributeNames.HTTP_STATUS);
            case "tls.sni":
                return flow.values(AttributeNames.TLS_SNI);
            case "tls.version":
                return flow.values(AttributeNames.TLS_VERSION);
            case "tls.subject":
                return flow.values(AttributeNames.TLS_O);
            case "tls.issuerdn":
            {
                // The leaf's issuer is the first authority reported, whichever kind it is.
                final List<String> first = new ArrayList<>();
                final List<String> authorities = flow.values("authority");
                if (!authorities.isEmpty())
                {
                    first.add(authorities.get(0));
                }
                return first;
            }
            default:
                throw new IllegalArgumentException(field);
        }
    }

    private static String hostname(final String host)
    {
        String name = host.trim().toLowerCase(Locale.ROOT);
        if (name.startsWith("["))
        {
            final int close = name.indexOf(']');
            return close > 0 ? name.substring(0, close + 1) : name;
        }
        final int colon = name.lastIndexOf(':');
        if (colon >= 0 && name.indexOf(':') == colon)
        {
            name = name.substring(0, colon);
        }
        return name;
    }

    /**
     * @return the value of {@code key} in a distinguished name printed as Suricata prints it
     * ({@code C=US, O=GitHub, Inc., CN=www.github.com}), or null.
     */
    static String dnPart(final String dn, final String key)
    {
        final Matcher matcher = DN_KEY.matcher(dn);
        final List<int[]> keys = new ArrayList<>();
        while (matcher.find())
        {
            keys.add(new int[] {matcher.start(), matcher.start(1), matcher.end()});
        }
        for (int i = 0; i < keys.size(); i++)
        {
            final int[] at = keys.get(i);
            if (dn.substring(at[1], at[2] - 1).equals(key))
            {
                return dn.substring(at[2], i + 1 < keys.size() ? keys.get(i + 1)[0] : dn.length());
            }
        }
        return null;
    }

    /**
     * Checks name eve fields either dotted ({@code http.hostname: x}) or nested ({@code http: {hostname: x}}).
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> flatten(final Map<String, Object> match)
    {
        final Map<String, Object> flat = new HashMap<>();
        match.forEach((key, value) ->
        {
            if (value instanceof Map && ("http".equals(key) || "tls".equals(key)))
            {
                ((Map<String, Object>)value).forEach((inner, innerValue) -> flat.put(key + "." + inner, innerValue));
            }
            else
            {
                flat.put(key, value);
            }
        });
        return flat;
    }

    private static boolean tupleMatches(final Map<String, Object> match, final Seen seen, final boolean reversed)
    {
        final String src = reversed ? seen.server() : seen.client();
        final int srcPort = reversed ? seen.serverPort() : seen.clientPort();
        final String dst = reversed ? seen.client() : seen.server();
        final int dstPort = reversed ? seen.clientPort() : seen.serverPort();
        return (!match.containsKey("src_ip") || address(match.get("src_ip")).equals(src)) &&
            (!match.containsKey("src_port") || number(match.get("src_port"), -1) == srcPort) &&
            (!match.containsKey("dest_ip") || address(match.get("dest_ip")).equals(dst)) &&
            (!match.containsKey("dest_port") || number(match.get("dest_port"), -1) == dstPort);
    }

    static List<Seen> replay(final Path pcap)
    {
        final List<Seen> flows = new ArrayList<>();
        final Map<Flow, Map<String, List<String>>> live = new IdentityHashMap<>();
        final TcpHandler collector = new TcpHandler()
        {
            @Override
            public void onAttribute(
                final Flow flow,
                final int direction,
                final String name,
                final DirectBuffer value,
                final int offset,
                final int length,
                final long timeNs)
            {
                final byte[] bytes = new byte[length];
                value.getBytes(offset, bytes);
                final Map<String, List<String>> values = live.computeIfAbsent(flow, f -> new HashMap<>());
                final String text = new String(bytes, StandardCharsets.UTF_8);
                values.computeIfAbsent(name, n -> new ArrayList<>()).add(text);
                if (AttributeNames.TLS_CA_ROOT.equals(name) || AttributeNames.TLS_CA_INTER.equals(name))
                {
                    values.computeIfAbsent("authority", n -> new ArrayList<>()).add(text);
                }
            }

            @Override
            public void onTerminate(final Flow flow, final FlowRecord record)
            {
                final Map<String, List<String>> values = live.remove(flow);
                flows.add(new Seen(flow.clientAddress().getHostAddress(), flow.clientPort(),
                    flow.serverAddress().getHostAddress(), flow.serverPort(), values == null ? Map.of() : values));
            }
        };
        final EngineContext context = new EngineContext()
            .engineMemcapBytes(16L << 20)
            .maxFlows(4096)
            .embryonicTimeoutNs(TimeUnit.SECONDS.toNanos(60))
            .establishedTimeoutNs(TimeUnit.SECONDS.toNanos(600))
            .closingTimeoutNs(TimeUnit.SECONDS.toNanos(600))
            .closedTimeoutNs(TimeUnit.SECONDS.toNanos(60));
        final ReassemblyEngine engine = new ReassemblyEngine(
            context, new HttpAttributeExtractor(), new TlsAttributeExtractor(), collector);
        try (CaptureFileSource source = CaptureFiles.open(pcap))
        {
            new FrameFeeder(new PacketDecoder(ChecksumMode.OFF), engine).feedAll(source);
        }
        catch (final CaptureFileException ex)
        {
            engine.shutdown();
        }
        return flows;
    }

    private static Path pcap(final Map<String, Object> test, final Path dir) throws IOException
    {
        final Object named = test.get("pcap");
        if (named instanceof String)
        {
            final Path path = dir.resolve((String)named).normalize();
            return Files.isRegularFile(path) ? path : null;
        }
        try (Stream<Path> files = Files.list(dir))
        {
            final List<Path> captures = files.filter(path ->
            {
                final String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
                return name.endsWith(".pcap") || name.endsWith(".pcapng");
            }).toList();
            return captures.size() == 1 ? captures.get(0) : null;
        }
    }

    private static List<Path> testYamls(final Path tests) throws IOException
    {
        try (Stream<Path> files = Files.walk(tests))
        {
            return files.filter(path -> path.getFileName().toString().equals("test.yaml")).sorted().toList();
        }
    }

    private static long number(final Object value, final long otherwise)
    {
        if (value == null)
        {
            return otherwise;
        }
        return value instanceof Number ? ((Number)value).longValue() : Long.parseLong(value.toString().trim());
    }

    private static String address(final Object value)
    {
        try
        {
            return InetAddress.getByName(value.toString().trim()).getHostAddress();
        }
        catch (final UnknownHostException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
