package io.flowtap.reassembly;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * What a user's handler is made with ({@link TcpHandlerFactory#newHandler}, or a handler's constructor): which worker
 * it serves, its options, the per-flow data slot that is its own, and where its output and log lines go. Fluent
 * setters for whoever makes handlers (the command line, or a program embedding a sensor); handlers only read it.
 * <p>
 * Options are strings, as given by {@code --handler-option KEY=VALUE} or the config file's {@code handlers:} section,
 * and are read when the handler is made: the command line refuses an option no handler read, so that a misspelt key
 * is an error rather than a silently ignored setting.
 * <p>
 * Thread safety: set up by one thread before the handler is made; the output and log may be used from the handler's
 * worker thread, and are shared by every worker (one line per call stays whole).
 */
public final class HandlerContext
{
    /** The data slot of the first user handler; the built-in attribute extractors use the slots below it. */
    public static final int FIRST_USER_DATA_SLOT = 3;

    private String name = "handler";
    private int worker;
    private int workers = 1;
    private int dataSlot = FIRST_USER_DATA_SLOT;
    private Map<String, String> options = Collections.emptyMap();
    private PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    private Consumer<String> log = System.err::println;
    private final Set<String> optionsRead = ConcurrentHashMap.newKeySet();

    /**
     * @param name of the handler, for messages (its class's simple name on the command line).
     * @return this.
     */
    public HandlerContext name(final String name)
    {
        this.name = name;
        return this;
    }

    /**
     * @return the handler's name, for messages.
     */
    public String name()
    {
        return name;
    }

    /**
     * @param worker index of the worker the handler serves, from 0.
     * @return this.
     */
    public HandlerContext worker(final int worker)
    {
        this.worker = worker;
        return this;
    }

    /**
     * @return index of the worker the handler serves, from 0; each worker has handlers of its own.
     */
    public int worker()
    {
        return worker;
    }

    /**
     * @param workers how many workers the sensor runs.
     * @return this.
     */
    public HandlerContext workers(final int workers)
    {
        this.workers = workers;
        return this;
    }

    /**
     * @return how many workers the sensor runs (each flow is handled by one of them).
     */
    public int workers()
    {
        return workers;
    }

    /**
     * @param slot the flow data slot reserved for this handler.
     * @return this.
     */
    public HandlerContext dataSlot(final int slot)
    {
        this.dataSlot = slot;
        return this;
    }

    /**
     * The handler's own per-flow slot: keep per-flow state with {@code flow.data(context.dataSlot(), state)}, and no
     * other handler will touch it. ({@link Flow#data()}, slot 0, is Haka's {@code data}: shared by every handler.)
     *
     * @return the slot.
     */
    public int dataSlot()
    {
        return dataSlot;
    }

    /**
     * @param options the handler's options, by key; copied.
     * @return this.
     */
    public HandlerContext options(final Map<String, String> options)
    {
        this.options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
        return this;
    }

    /**
     * @return every option given to the handler, read-only; reading them here does not count as reading a key.
     */
    public Map<String, String> options()
    {
        return options;
    }

    /**
     * @param key of an option.
     * @return its value, or null when it was not given.
     */
    public String option(final String key)
    {
        optionsRead.add(key);
        return options.get(key);
    }

    /**
     * @param key          of an option.
     * @param defaultValue when it was not given.
     * @return its value.
     */
    public String option(final String key, final String defaultValue)
    {
        final String value = option(key);
        return value == null ? defaultValue : value;
    }

    /**
     * @param key          of an option.
     * @param defaultValue when it was not given.
     * @return its value as a whole number.
     * @throws IllegalArgumentException naming the option when it is not one.
     */
    public long longOption(final String key, final long defaultValue)
    {
        final String value = option(key);
        if (value == null)
        {
            return defaultValue;
        }
        try
        {
            return Long.parseLong(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("option " + key + "=" + value + ": not a whole number", ex);
        }
    }

    /**
     * @param key          of an option.
     * @param defaultValue when it was not given.
     * @return its value as an int.
     * @throws IllegalArgumentException naming the option when it is not one.
     */
    public int intOption(final String key, final int defaultValue)
    {
        final long value = longOption(key, defaultValue);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("option " + key + "=" + value + ": out of range");
        }
        return (int)value;
    }

    /**
     * @param key          of an option.
     * @param defaultValue when it was not given.
     * @return its value: true, false, yes, no, on, off, 1 or 0.
     * @throws IllegalArgumentException naming the option when it is none of those.
     */
    public boolean booleanOption(final String key, final boolean defaultValue)
    {
        final String value = option(key);
        if (value == null)
        {
            return defaultValue;
        }
        switch (value.trim().toLowerCase(Locale.ROOT))
        {
            case "true":
            case "yes":
            case "on":
            case "1":
                return true;
            case "false":
            case "no":
            case "off":
            case "0":
                return false;
            default:
                throw new IllegalArgumentException("option " + key + "=" + value + ": not true or false");
        }
    }

    /**
     * @return the keys the handler has read so far, sorted.
     */
    public Set<String> optionsRead()
    {
        return Collections.unmodifiableSet(new TreeSet<>(optionsRead));
    }

    /**
     * @param out where the handler's output goes (the command's standard output).
     * @return this.
     */
    public HandlerContext out(final PrintWriter out)
    {
        this.out = out;
        return this;
    }

    /**
     * Where the handler prints its results: the command's standard output, shared by every worker's handler (a
     * {@code println} is never split by another's). Printing allocates: do it per flow or per finding, not per packet.
     *
     * @return the output.
     */
    public PrintWriter out()
    {
        return out;
    }

    /**
     * @param log receives the handler's log lines (the command's standard error, with its prefix).
     * @return this.
     */
    public HandlerContext log(final Consumer<String> log)
    {
        this.log = log;
        return this;
    }

    /**
     * Log one line to the sensor's log (standard error), prefixed with the handler's name: an alert, in Haka's words.
     *
     * @param line to log.
     */
    public void log(final String line)
    {
        log.accept(name + ": " + line);
    }
}
