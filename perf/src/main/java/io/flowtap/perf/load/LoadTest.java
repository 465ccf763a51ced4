package io.flowtap.perf.load;

import io.flowtap.capture.blast.BlastReport;
import io.flowtap.capture.codec.DecodeCounter;
import io.flowtap.capture.ring.AfPacketContext;
import io.flowtap.capture.ring.FanoutMode;
import io.flowtap.capture.ring.RingCounter;
import io.flowtap.perf.gen.GenContext;
import io.flowtap.perf.gen.GenSummary;
import io.flowtap.perf.gen.TrafficGenerator;
import io.flowtap.perf.live.Capturer;
import io.flowtap.perf.live.LinuxStats;
import io.flowtap.perf.live.NetsniffCapturer;
import io.flowtap.perf.live.TcpdumpCapturer;
import io.flowtap.pipeline.Pipeline;
import io.flowtap.pipeline.PipelineContext;
import io.flowtap.pipeline.journal.ChronicleJournal;
import io.flowtap.pipeline.journal.Journal;
import io.flowtap.pipeline.journal.JournalContext;
import io.flowtap.pipeline.shard.DispatchCounter;
import io.flowtap.pipeline.stats.HistogramLog;
import io.flowtap.pipeline.stats.Stage;
import io.flowtap.pipeline.stats.StageHistograms;
import io.flowtap.pipeline.worker.WorkerCounter;
import org.HdrHistogram.Histogram;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The load test: a {@link LoadNamespace}, a generated capture, and for each offered rate, flowtap's full live
 * pipeline (pollers and workers, every segment reassembled, stage latencies recorded) and then each peer, capturing
 * the host end while a {@link BlasterProcess} in the namespace loops the capture out of the peer end at that rate.
 * <p>
 * Per step it records the blaster's offered rate, what the capturer read, the kernel's drops, flowtap's drops by
 * reason, CPU time per packet (flowtap's poller and worker threads through {@link ThreadMXBean}, a peer's process
 * through its scheduler statistics; and each process's total), and flowtap's stage latencies, which also go to the
 * HdrHistogram interval log once a second. The namespace is removed in every case: a finally block, and its own
 * shutdown hook for Ctrl-C.
 * <p>
 * Not thread safe: one thread runs it; {@link #stop()} may come from any thread.
 */
public final class LoadTest
{
    private static final long LOG_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long BLASTER_GRACE_SECONDS = 60;
    private static final int TRAFFIC_CONNECTIONS = 1000;

    private final LoadTestContext context;
    private final PrintStream out;
    private final StageHistograms histograms = new StageHistograms();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private volatile boolean stopped;
    private volatile Process blaster;
    private int flowtapSteps;

    /**
     * @param context configuration; concluded here.
     * @param out     for progress lines and the report.
     */
    public LoadTest(final LoadTestContext context, final PrintStream out)
    {
        this.context = context.conclude();
        this.out = out;
    }

    /**
     * Stop after the step in hand: the blaster is killed, the capturer closed, the namespace removed. Any thread.
     */
    public void stop()
    {
        stopped = true;
        final Process sender = blaster;
        if (sender != null)
        {
            sender.destroy();
        }
    }

    /**
     * Run every step.
     *
     * @return the report, also printed.
     * @throws IOException when the traffic or the histogram log cannot be written.
     */
    public LoadTestReport run() throws IOException
    {
        final Path workDirectory = Files.createTempDirectory("flowtap-loadtest");
        try (LoadNamespace namespace = LoadNamespace.create();
            HistogramLog log = new HistogramLog(context.histogramLog(), histograms))
        {
            final Path traffic = workDirectory.resolve("traffic.pcap");
            final GenSummary generated = TrafficGenerator.generate(new GenContext().out(traffic).writeExpected(false)
                .packets(context.trafficPackets()).connections(TRAFFIC_CONNECTIONS)
                .dataFrameLength(context.frameSize()));
            final LoadTestReport report = new LoadTestReport(context.histogramLog(),
                (context.frameSize() == 0 ? "mix" : context.frameSize() + "-byte data frames") + ", looped: " +
                generated.describe());
            out.println("loadtest: namespace " + namespace.namespace() + ", sending on " + namespace.peerInterface() +
                ", capturing on " + namespace.hostInterface() + "; " + report.traffic());
            if (context.warmupSeconds() > 0 && !stopped)
            {
                final StepResult warmUp = measureFlowtap(namespace, traffic, context.rates()[0],
                    context.warmupSeconds(), log);
                out.println("warm-up, not counted: " + warmUp.sent().describe());
            }
            for (final long rate : context.rates())
            {
                if (stopped)
                {
                    break;
                }
                final StepResult flowtap = measureFlowtap(namespace, traffic, rate, context.stepSeconds(), log);
                report.add(flowtap);
                progress(flowtap);
                for (final String peer : context.compare())
                {
                    if (stopped)
                    {
                        break;
                    }
                    final StepResult result = measurePeer(namespace, traffic, rate, peer);
                    report.add(result);
                    progress(result);
                }
            }
            report.print(out);
            return report;
        }
        finally
        {
            deleteTree(workDirectory);
        }
    }

    private void progress(final StepResult step)
    {
        out.printf(Locale.ROOT, "step %s %s: offered %,.0f pps, captured %,d of %,d, kernel drops %,d, %.0f CPU " +
            "ns/pkt%n", step.targetPps() == 0 ? "top" : Long.toString(step.targetPps()), step.capturer(),
            step.sent().pps(), step.captured(), step.sent().frames(), step.kernelDrops(), step.cpuNsPerPacket());
    }

    private StepResult measureFlowtap(
        final LoadNamespace namespace,
        final Path traffic,
        final long rate,
        final double seconds,
        final HistogramLog log)
    {
        final Map<Stage, Histogram> before = new EnumMap<>(Stage.class);
        log.writeInterval();
        for (final Stage stage : Stage.values())
        {
            before.put(stage, histograms.total(stage).copy());
        }
        // As a sensor journals: events batched into excerpts committed once per worker batch.
        final Journal journal = context.journal() == null ? null : ChronicleJournal.open(new JournalContext()
            .directory(context.journal().resolve("step-" + flowtapSteps++))
            .batchBytes(JournalContext.BATCH_BYTES_PIPELINE_DEFAULT)
            .rollCycle(context.journalRollCycle())
            .retainCycles(context.journalRetainCycles()));
        final PipelineContext pipelineContext = new PipelineContext()
            .workers(context.workers())
            .workerCpus(context.workerCpus())
            .threadingMode(context.threadingMode())
            .sharedIdleOnRing(context.sharedIdleOnRing())
            .histograms(histograms);
        if (journal != null)
        {
            pipelineContext.handlers(worker -> List.of(journal.newWriter(worker)));
        }
        final AfPacketContext ring = new AfPacketContext()
            .interfaceName(namespace.hostInterface())
            .blockSize(context.blockSize())
            .blockCount(Math.max(1, (int)((long)context.ringMiB() * (1 << 20) / context.blockSize())))
            .retireTimeoutMs(context.blockTimeoutMs());
        final long[] cpuBefore;
        final long processBefore;
        final long backlogBefore = LinuxStats.backlogDrops();
        final BlastReport sent;
        final long[] cpuNs = new long[3];
        final long processNs;
        final Pipeline pipeline;
        try
        {
            pipeline = Pipeline.live(pipelineContext, ring, context.pollers(), context.pollerCpus(), FanoutMode.HASH);
        }
        catch (final RuntimeException ex)
        {
            closeQuietly(journal);
            throw ex;
        }
        try
        {
            cpuBefore = pipelineCpuNs();
            processBefore = processCpuNs();
            sent = blast(namespace, traffic, rate, seconds, log);
            settle();
            final long[] cpuAfter = pipelineCpuNs();
            for (int i = 0; i < cpuNs.length; i++)
            {
                cpuNs[i] = cpuAfter[i] - cpuBefore[i];
            }
            processNs = processCpuNs() - processBefore;
            pipeline.close();
            log.writeInterval();
            final Map<String, Long> drops = new LinkedHashMap<>();
            drops.put("queue full", pipeline.total(DispatchCounter.DROPPED_QUEUE_FULL));
            long decoder = 0;
            for (final DecodeCounter counter : DecodeCounter.values())
            {
                decoder += counter.isDropReason() ? pipeline.total(counter) : 0;
            }
            drops.put("not decoded", decoder);
            drops.put("unread at close", pipeline.total(DispatchCounter.RING_UNREAD_AT_CLOSE));
            drops.put("worker errors", pipeline.total(WorkerCounter.ERRORS));
            final boolean shared = cpuNs[2] > 0;
            final Map<Stage, Histogram> latency = new EnumMap<>(Stage.class);
            for (final Stage stage : Stage.values())
            {
                final Histogram step = histograms.total(stage).copy();
                step.subtract(before.get(stage));
                latency.put(stage, step);
            }
            return new StepResult("flowtap", rate, sent, pipeline.total(RingCounter.FRAMES),
                pipeline.total(RingCounter.KERNEL_PACKETS), pipeline.total(RingCounter.KERNEL_DROPS), drops,
                cpuNs[0] + cpuNs[1] + cpuNs[2], shared ? -1 : cpuNs[0], shared ? -1 : cpuNs[1], processNs,
                LinuxStats.backlogDrops() - backlogBefore, latency);
        }
        finally
        {
            // Idempotent: closed already unless the step failed part way. The journal closes after the pipeline has
            // ended every flow, so each flow's end is journaled.
            pipeline.close();
            closeQuietly(journal);
        }
    }

    private static void closeQuietly(final Journal journal)
    {
        if (journal != null)
        {
            journal.close();
        }
    }

    private StepResult measurePeer(
        final LoadNamespace namespace, final Path traffic, final long rate, final String peer)
    {
        final Capturer capturer = "tcpdump".equals(peer) ?
            new TcpdumpCapturer(program("tcpdump"), context.peerCpu() < 0 ? null : program("taskset"),
                context.peerCpu(), context.ringMiB() * 1024) :
            new NetsniffCapturer(program("netsniff-ng"), context.peerCpu(), context.ringMiB());
        try
        {
            capturer.start(namespace.hostInterface());
            final long backlogBefore = LinuxStats.backlogDrops();
            final long cpuBefore = capturer.captureCpuNs();
            final long processBefore = capturer.processCpuNs();
            final BlastReport sent = blast(namespace, traffic, rate, context.stepSeconds(), null);
            settle();
            final long cpuNs = capturer.captureCpuNs() - cpuBefore;
            final long processNs = capturer.processCpuNs() - processBefore;
            final Capturer.Counts counts = capturer.stop();
            return new StepResult(peer, rate, sent, counts.captured(), counts.kernelPackets(), counts.kernelDrops(),
                Map.of(), cpuNs, 0, 0, processNs, LinuxStats.backlogDrops() - backlogBefore, null);
        }
        finally
        {
            capturer.close();
        }
    }

    private BlastReport blast(
        final LoadNamespace namespace, final Path traffic, final long rate, final double seconds,
        final HistogramLog log)
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            // The flags Agrona and Chronicle need; not this JVM's heap, agents or debug settings.
            if (argument.startsWith("--add-") || argument.startsWith("-Dagrona"))
            {
                command.add(argument);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BlasterProcess.class.getName(),
            namespace.peerInterface(), traffic.toString(), Long.toString(rate),
            Long.toString((long)(seconds * 1000)), Integer.toString(context.blasterCpu())));
        final List<String> wrapped = namespace.inNamespace(command);
        try
        {
            final File output = File.createTempFile("flowtap-blaster", ".out");
            output.deleteOnExit();
            final Process process = new ProcessBuilder(wrapped).redirectErrorStream(true).redirectOutput(output)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            blaster = process;
            if (stopped)
            {
                process.destroy();
            }
            final long deadlineNs = System.nanoTime() + (long)(seconds * 1e9) +
                TimeUnit.SECONDS.toNanos(BLASTER_GRACE_SECONDS);
            while (!process.waitFor(LOG_INTERVAL_NS, TimeUnit.NANOSECONDS))
            {
                if (log != null)
                {
                    log.writeInterval();
                }
                if (System.nanoTime() > deadlineNs)
                {
                    process.destroyForcibly();
                    throw new IllegalStateException("the blaster did not finish: " + String.join(" ", wrapped));
                }
            }
            blaster = null;
            final String said = Files.readString(output.toPath(), StandardCharsets.UTF_8).trim();
            Files.deleteIfExists(output.toPath());
            if (process.exitValue() != 0 && !stopped)
            {
                throw new IllegalStateException("the blaster failed (exit " + process.exitValue() + "): " + said);
            }
            final String last = said.isEmpty() ? "" : said.substring(said.lastIndexOf('\n') + 1);
            return stopped && !last.startsWith("frames=") ? new BlastReport(0, 0, 0, 0, 0, 0, 0, 0) :
                BlastReport.parse(last);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            stop();
            throw new IllegalStateException("interrupted while blasting", ex);
        }
    }

    private void settle()
    {
        try
        {
            TimeUnit.MILLISECONDS.sleep(context.settleMs());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * @return CPU time so far of flowtap's threads: [pollers, workers, shared], by their agents' role names.
     */
    private long[] pipelineCpuNs()
    {
        final long[] total = new long[3];
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            final String name = thread.getName();
            final boolean poller = name.contains("flowtap-poller");
            final boolean worker = name.contains("flowtap-worker");
            if (poller || worker)
            {
                // A shared thread is named after all its agents: "[flowtap-poller-0,flowtap-worker-0]".
                total[poller && worker ? 2 : poller ? 0 : 1] += Math.max(0, threads.getThreadCpuTime(thread.getId()));
            }
        }
        return total;
    }

    private static long processCpuNs()
    {
        final java.lang.management.OperatingSystemMXBean bean = ManagementFactory.getOperatingSystemMXBean();
        if (bean instanceof com.sun.management.OperatingSystemMXBean)
        {
            return ((com.sun.management.OperatingSystemMXBean)bean).getProcessCpuTime();
        }
        return LinuxStats.selfProcessCpuNs();
    }

    private static String program(final String name)
    {
        final String path = LinuxStats.findProgram(name);
        if (path == null)
        {
            throw new IllegalStateException(name + " is not installed, so it cannot be compared");
        }
        return path;
    }

    private static void deleteTree(final Path directory)
    {
        try (Stream<Path> paths = Files.walk(directory))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (final IOException ex)
        {
            // A temporary directory left behind is not worth failing a finished load test for.
        }
    }
}
