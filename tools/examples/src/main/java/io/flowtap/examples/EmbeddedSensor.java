package io.flowtap.examples;

import io.flowtap.capture.ring.AfPacketContext;
import io.flowtap.capture.ring.FanoutMode;
import io.flowtap.pipeline.Pipeline;
import io.flowtap.pipeline.PipelineContext;
import io.flowtap.reassembly.EngineContext;
import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.FlowRecord;
import io.flowtap.reassembly.TcpHandler;
import org.agrona.DirectBuffer;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A sensor inside one's own program: the pipeline that {@code flowtap read} and {@code flowtap capture} run, made
 * from a {@link PipelineContext} with this program's handlers, one set per worker. Each worker calls only its own
 * handlers, on its own thread, for the flows the pollers' hashing gives it; {@link Pipeline#close()} drains the
 * queues, ends every open flow (reason {@code shutdown}) and stops the threads.
 * <pre>
 *   java -cp flowtap.jar:examples.jar io.flowtap.examples.EmbeddedSensor capture.pcap
 *   java -cp ... io.flowtap.examples.EmbeddedSensor -i eth0 10      (live for 10 s; needs CAP_NET_RAW)
 * </pre>
 * It needs the JVM flags flowtap's launcher passes (the parent pom's {@code flowtap.jvm.flags}: Agrona and Chronicle
 * reach into the JDK). Prints, per worker, the flows ended and the bytes each way, then the pipeline's counters.
 */
public final class EmbeddedSensor
{
    private static final int WORKERS = 2;

    private EmbeddedSensor()
    {
    }

    /** This program's handler: adds up what its worker's flows carried, into counters the main thread reads. */
    private static final class Totals implements TcpHandler
    {
        private final AtomicLongArray totals;
        private final int worker;

        Totals(final AtomicLongArray totals, final int worker)
        {
            this.totals = totals;
            this.worker = worker;
        }

        @Override
        public int onPayload(
            final Flow flow,
            final int direction,
            final long seekpos,
            final DirectBuffer buffer,
            final int offset,
            final int length,
            final long timeNs,
            final int eof)
        {
            totals.getAndAdd(worker * 3 + 1 + direction, length);
            return length;
        }

        @Override
        public void onTerminate(final Flow flow, final FlowRecord record)
        {
            totals.incrementAndGet(worker * 3);
        }
    }

    /**
     * @param args a capture file, or {@code -i INTERFACE SECONDS}.
     */
    public static void main(final String[] args)
    {
        // Per worker: flows ended, bytes to the client, bytes to the server (Direction.TO_CLIENT is 0).
        final AtomicLongArray totals = new AtomicLongArray(3 * WORKERS);
        final PipelineContext context = new PipelineContext()
            .workers(WORKERS)
            .engineContext(EngineContext::new)
            .handlers(worker -> List.of(new Totals(totals, worker)));

        final Pipeline pipeline;
        if (args.length == 3 && "-i".equals(args[0]))
        {
            pipeline = Pipeline.live(
                context, new AfPacketContext().interfaceName(args[1]), 1, new int[0], FanoutMode.HASH);
            sleep(TimeUnit.SECONDS.toMillis(Long.parseLong(args[2])));
        }
        else if (args.length == 1)
        {
            pipeline = Pipeline.file(context, Path.of(args[0]));
            pipeline.awaitInputFinished(TimeUnit.MINUTES.toNanos(10));
        }
        else
        {
            System.err.println("usage: EmbeddedSensor FILE | EmbeddedSensor -i INTERFACE SECONDS");
            return;
        }
        // Drains the queues and ends every open flow, so every flow is counted once close returns.
        pipeline.close();

        for (int worker = 0; worker < WORKERS; worker++)
        {
            System.out.println("worker " + worker + ": flows " + totals.get(worker * 3) + ", bytes to server " +
                totals.get(worker * 3 + 2) + ", bytes to client " + totals.get(worker * 3 + 1));
        }
        System.out.print(pipeline.counterSummary());
    }

    private static void sleep(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
