package io.flowtap.capture.filter;

/**
 * A filter expression that cannot be used: its one-line message says what was expected, where, and quotes the
 * expression, such as {@code bad filter at column 10: expected a port number, found 'http' in "dst port http"}.
 * <p>
 * An {@link IllegalArgumentException}, so that configuration checks ({@code AfPacketContext.conclude()}) and command
 * lines treat it as any other bad argument. Thrown only while parsing or compiling, never per packet.
 */
public final class FilterSyntaxException extends IllegalArgumentException
{
    private static final long serialVersionUID = 1L;
    /** Longest part of an expression a message quotes. */
    private static final int MAX_QUOTED = 160;

    private final String expression;
    private final int column;

    /**
     * @param expression the whole expression, as given.
     * @param column     1-based column of what is wrong, or 0 when it is the expression as a whole.
     * @param problem    what was expected and what was found.
     */
    FilterSyntaxException(final String expression, final int column, final String problem)
    {
        super((column > 0 ? "bad filter at column " + column + ": " : "bad filter: ") + problem + " in \"" +
            quote(expression, column) + "\"");
        this.expression = expression;
        this.column = column;
    }

    /**
     * @return the expression, or for a long one (a blocklist) the part around the column, so the line stays short.
     */
    private static String quote(final String expression, final int column)
    {
        if (expression.length() <= MAX_QUOTED)
        {
            return expression;
        }
        final int centre = column > 0 ? column - 1 : 0;
        final int from = Math.max(0, Math.min(centre - MAX_QUOTED / 2, expression.length() - MAX_QUOTED));
        final int to = Math.min(expression.length(), from + MAX_QUOTED);
        return (from > 0 ? "..." : "") + expression.substring(from, to) + (to < expression.length() ? "..." : "");
    }

    /**
     * @return the expression as given.
     */
    public String expression()
    {
        return expression;
    }

    /**
     * @return 1-based column of what is wrong, or 0 when the problem is the expression as a whole (too large).
     */
    public int column()
    {
        return column;
    }
}
