package io.flowtap.tools.handler;

/**
 * One {@code --handler-option [HANDLER:]KEY=VALUE}: a key and value for every user handler, or, with a handler's
 * name (its class's simple or full name) in front, for that handler only.
 *
 * @param scope the handler it is for, or null for all.
 * @param key   the option's key.
 * @param value its value, possibly empty.
 * @param text  as written.
 */
public record HandlerOption(String scope, String key, String value, String text)
{
    /**
     * @param text {@code KEY=VALUE} or {@code HANDLER:KEY=VALUE}.
     * @return the option.
     * @throws HandlerLoadException naming the text when it has no key.
     */
    public static HandlerOption parse(final String text)
    {
        final int equals = text.indexOf('=');
        if (equals <= 0)
        {
            throw new HandlerLoadException("--handler-option " + text + ": expected [HANDLER:]KEY=VALUE, e.g. " +
                "pattern=SSH- or HakaPatternRule:action=reset");
        }
        final String head = text.substring(0, equals).trim();
        final int colon = head.indexOf(':');
        final String scope = colon < 0 ? null : head.substring(0, colon).trim();
        final String key = colon < 0 ? head : head.substring(colon + 1).trim();
        if (key.isEmpty() || scope != null && scope.isEmpty())
        {
            throw new HandlerLoadException("--handler-option " + text + ": expected [HANDLER:]KEY=VALUE, e.g. " +
                "pattern=SSH- or HakaPatternRule:action=reset");
        }
        return new HandlerOption(scope, key, text.substring(equals + 1), text);
    }

    /**
     * @param simpleName of a handler's class.
     * @param fullName   its binary name.
     * @return whether this option is for that handler.
     */
    public boolean appliesTo(final String simpleName, final String fullName)
    {
        return scope == null || scope.equals(simpleName) || scope.equals(fullName);
    }
}
