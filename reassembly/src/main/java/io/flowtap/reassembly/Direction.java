package io.flowtap.reassembly;

/**
 * The two directions of a connection, numbered as Trisul numbers them: {@link #TO_SERVER} is 1 (client to server),
 * {@link #TO_CLIENT} is 0. Plain ints so that per-direction state is an array index and no enum is boxed or looked up
 * per packet.
 */
public final class Direction
{
    /** Server to client (Trisul's 0). */
    public static final int TO_CLIENT = 0;
    /** Client to server (Trisul's 1). */
    public static final int TO_SERVER = 1;

    private Direction()
    {
    }

    /**
     * @param direction one of the two.
     * @return the other one.
     */
    public static int opposite(final int direction)
    {
        return direction ^ 1;
    }

    /**
     * @param direction one of the two.
     * @return {@code "to_server"} or {@code "to_client"}, for text and JSON output.
     */
    public static String name(final int direction)
    {
        return direction == TO_SERVER ? "to_server" : "to_client";
    }
}
