package io.flowtap.tools.handler;

import java.util.List;

/**
 * Why the user's handlers cannot be loaded or made: one line per problem (one per compile error), each naming what is
 * at fault (the option, the class, the source file and line). The command prints them and exits 2.
 */
public final class HandlerLoadException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final List<String> lines;

    /**
     * @param line the one problem.
     */
    public HandlerLoadException(final String line)
    {
        this(List.of(line));
    }

    /**
     * @param lines one per problem, at least one.
     */
    public HandlerLoadException(final List<String> lines)
    {
        super(String.join("\n", lines), null, false, false);
        this.lines = List.copyOf(lines);
    }

    /**
     * @return one line per problem.
     */
    public List<String> lines()
    {
        return lines;
    }
}
