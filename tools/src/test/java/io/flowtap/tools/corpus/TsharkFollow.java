package io.flowtap.tools.corpus;

import io.flowtap.capture.ring.LiveNetwork;
import io.flowtap.capture.test.Corpus;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * tshark, run here, as the oracle for the TCP streams of a capture: {@code tshark -z follow,tcp,raw,N} for every
 * stream tshark finds, with its default preferences (a fresh configuration directory, so that no user's profile
 * changes what it does). tshark dissects tunnels and reassembles IP fragments by default, and follows the innermost
 * TCP; it does not verify TCP checksums. Tests that need it call {@link #require()}: without tshark they skip, saying
 * why, unless {@value Corpus#REQUIRE_ENV} or {@value LiveNetwork#REQUIRE_ENV} is set (as CI sets both), when they
 * fail.
 */
final class TsharkFollow
{
    private static final long TIMEOUT_SECONDS = 300;
    /** Streams followed in the first run: as many as nearly every capture of the corpus has. */
    private static final int FIRST_FOLLOWED = 32;
    private static final String SEPARATOR = "===================================================================";
    private static final HexFormat HEX = HexFormat.of();
    private static final Pattern MISSING = Pattern.compile("\\[\\d+ bytes missing in capture file]\\x00?");

    /**
     * One TCP stream as tshark follows it.
     *
     * @param index    tshark's stream index.
     * @param nodeA    "address:port" tshark saw first (Node 0).
     * @param nodeB    the other end (Node 1).
     * @param fromA    the bytes A sent, in tshark's order, missing bytes left out.
     * @param fromB    the bytes B sent.
     * @param holesA   whether tshark marked bytes A sent as missing.
     * @param holesB   whether tshark marked bytes B sent as missing.
     */
    record Stream(int index, String nodeA, String nodeB, byte[] fromA, byte[] fromB, boolean holesA, boolean holesB)
    {
    }

    private TsharkFollow()
    {
    }

    /**
     * @return the path of tshark, or null when it is not on the PATH.
     */
    static String program()
    {
        for (final String directory : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator))
        {
            final Path candidate = Paths.get(directory.isEmpty() ? "." : directory, "tshark");
            if (Files.isExecutable(candidate))
            {
                return candidate.toString();
            }
        }
        return null;
    }

    /**
     * Skip the calling test when tshark is not installed (fail when {@value Corpus#REQUIRE_ENV} or
     * {@value LiveNetwork#REQUIRE_ENV} is set: tshark is a tool of the test machine, like the live tests' peers).
     *
     * @return the path of tshark.
     */
    static String require()
    {
        final String tshark = program();
        if (tshark == null)
        {
            final String message = "tshark (Wireshark's command line) is not on the PATH; it is the oracle here";
            for (final String require : new String[] {Corpus.REQUIRE_ENV, LiveNetwork.REQUIRE_ENV})
            {
                if (System.getenv(require) != null)
                {
                    Assertions.fail(message + ", and " + require + " is set");
                }
            }
            Assumptions.abort("skipped: " + message);
        }
        return tshark;
    }

    /**
     * One tshark run per capture, for most: it prints every packet's stream index and follows streams 0 to
     * {@value #FIRST_FOLLOWED} - 1 in the same pass (tshark numbers streams from 0 in order of first packet, and
     * following an index no stream has costs nothing); only a capture with more streams than that needs a second run
     * for the rest. tshark's start dominates the time on small captures, so this halves it.
     *
     * @param tshark  its path.
     * @param capture to read.
     * @param scratch an empty directory for tshark's configuration.
     * @return every TCP stream tshark finds, by index.
     */
    static List<Stream> follow(final String tshark, final Path capture, final Path scratch)
    {
        final List<String> command = new ArrayList<>(List.of(tshark, "-n", "-r", capture.toString(), "-T", "fields",
            "-e", "tcp.stream"));
        for (int index = 0; index < FIRST_FOLLOWED; index++)
        {
            command.add("-z");
            command.add("follow,tcp,raw," + index);
        }
        final String out = run(scratch, command.toArray(String[]::new));
        final int followed = out.indexOf(SEPARATOR);
        final TreeSet<Integer> indexes = new TreeSet<>();
        for (final String line : (followed < 0 ? out : out.substring(0, followed)).split("\n"))
        {
            for (final String index : line.split(","))
            {
                if (!index.isBlank())
                {
                    indexes.add(Integer.parseInt(index.trim()));
                }
            }
        }
        final List<Stream> streams = new ArrayList<>();
        if (indexes.isEmpty())
        {
            return streams;
        }
        streams.addAll(parse(followed < 0 ? "" : out.substring(followed), indexes));
        final SortedSet<Integer> rest = indexes.tailSet(FIRST_FOLLOWED);
        if (!rest.isEmpty())
        {
            final List<String> more = new ArrayList<>(List.of(tshark, "-n", "-r", capture.toString(), "-q"));
            for (final int index : rest)
            {
                more.add("-z");
                more.add("follow,tcp,raw," + index);
            }
            streams.addAll(parse(run(scratch, more.toArray(String[]::new)), indexes));
        }
        // tshark prints the follows last requested first: by index, the order the streams began in.
        streams.sort(Comparator.comparingInt(Stream::index));
        return streams;
    }

    /**
     * @param out     tshark's follow output.
     * @param indexes the streams that exist: a follow of any other index is empty, and left out.
     * @return the streams it holds.
     */
    private static List<Stream> parse(final String out, final Set<Integer> indexes)
    {
        final List<Stream> streams = new ArrayList<>();
        final String[] blocks = out.split(SEPARATOR);
        for (final String block : blocks)
        {
            final String[] lines = block.strip().split("\n");
            if (lines.length < 4 || !lines[0].startsWith("Follow: tcp,raw"))
            {
                continue;
            }
            final int index = Integer.parseInt(lines[1].substring(lines[1].lastIndexOf(' ') + 1).trim());
            if (!indexes.contains(index))
            {
                continue;
            }
            final ByteArrayOutputStream fromA = new ByteArrayOutputStream();
            final ByteArrayOutputStream fromB = new ByteArrayOutputStream();
            boolean holesA = false;
            boolean holesB = false;
            for (int i = 4; i < lines.length; i++)
            {
                final String line = lines[i];
                if (line.isBlank())
                {
                    continue;
                }
                final byte[] bytes = HEX.parseHex(line.strip());
                if (MISSING.matcher(new String(bytes, StandardCharsets.ISO_8859_1)).matches())
                {
                    // tshark's note for bytes it did not see, written into the stream as text (with a NUL).
                    holesA |= !line.startsWith("\t");
                    holesB |= line.startsWith("\t");
                    continue;
                }
                (line.startsWith("\t") ? fromB : fromA).writeBytes(bytes);
            }
            streams.add(new Stream(index, node(lines[2]), node(lines[3]), fromA.toByteArray(), fromB.toByteArray(),
                holesA, holesB));
        }
        return streams;
    }

    /**
     * "Node 0: [2001:db8::1]:80" or "Node 1: 10.0.0.1:80" as "address:port", the address in Java's canonical text.
     */
    private static String node(final String line)
    {
        final String value = line.substring(line.indexOf(": ") + 2).trim();
        final int colon = value.lastIndexOf(':');
        return canonical(value.substring(0, colon).replace("[", "").replace("]", "")) + ":" +
            value.substring(colon + 1);
    }

    /**
     * @param address an IP address literal.
     * @return the same address as {@link InetAddress#getHostAddress()} writes it.
     */
    static String canonical(final String address)
    {
        try
        {
            return InetAddress.getByName(address).getHostAddress();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static String run(final Path scratch, final String... command)
    {
        try
        {
            final Path out = Files.createTempFile(scratch, "tshark", ".out");
            final Path err = Files.createTempFile(scratch, "tshark", ".err");
            final ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile())
                .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().put("WIRESHARK_CONFIG_DIR", scratch.toString());
            final Process process = builder.start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                Assertions.fail(String.join(" ", command) + " took over " + TIMEOUT_SECONDS + " s");
            }
            final String text = Files.readString(out, StandardCharsets.UTF_8);
            final String errors = Files.readString(err, StandardCharsets.UTF_8);
            Files.delete(out);
            Files.delete(err);
            // tshark exits 2 on a capture cut short, after printing what it read: that is its answer too.
            if (process.exitValue() != 0 && text.isEmpty() && !errors.contains("cut short"))
            {
                Assertions.fail(String.join(" ", command) + " exited " + process.exitValue() + ": " + errors);
            }
            return text;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
