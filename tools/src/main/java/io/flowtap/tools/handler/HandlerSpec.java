package io.flowtap.tools.handler;

/**
 * One handler asked for on the command line: a class ({@code --handler}) or a source file ({@code --handler-source}).
 *
 * @param kind  which option named it.
 * @param value the class's binary name, or the source file's path as given.
 */
public record HandlerSpec(Kind kind, String value)
{
    /** Which option named a handler. */
    public enum Kind
    {
        /** {@code --handler CLASS}. */
        CLASS,
        /** {@code --handler-source FILE}. */
        SOURCE
    }

    /**
     * @return the option and its value, as the user wrote them.
     */
    public String describe()
    {
        return (kind == Kind.CLASS ? "--handler " : "--handler-source ") + value;
    }
}
