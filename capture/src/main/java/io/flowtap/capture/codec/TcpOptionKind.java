package io.flowtap.capture.codec;

/**
 * TCP option kinds, with PATHspider's names ({@code TO_EOL}, {@code TO_MSS} ...) in Java form.
 */
public final class TcpOptionKind
{
    /** End of option list ({@code TO_EOL}). */
    public static final int EOL = 0;
    /** No operation ({@code TO_NOP}). */
    public static final int NOP = 1;
    /** Maximum segment size ({@code TO_MSS}). */
    public static final int MSS = 2;
    /** Window scale ({@code TO_WS}). */
    public static final int WS = 3;
    /** SACK permitted ({@code TO_SACKOK}). */
    public static final int SACK_PERMITTED = 4;
    /** SACK blocks ({@code TO_SACK}). */
    public static final int SACK = 5;
    /** Timestamps ({@code TO_TS}). */
    public static final int TS = 8;
    /** Multipath TCP ({@code TO_MPTCP}). */
    public static final int MPTCP = 30;
    /** TCP Fast Open cookie, RFC 7413 ({@code TO_FASTOPEN}). */
    public static final int FASTOPEN = 34;
    /** RFC 4727 experiment 1; carries a 16-bit experiment id (RFC 6994). */
    public static final int EXPERIMENT_1 = 253;
    /**
     * PATHspider's experimental option A ({@code TO_EXPA}); also RFC 4727 experiment 2, the kind the pre-RFC
     * Fast Open used with experiment id {@link #EXID_FASTOPEN}.
     */
    public static final int EXP_A = 254;
    /** PATHspider's experimental option B ({@code TO_EXPB}). */
    public static final int EXP_B = 255;
    /** Experiment id of Fast Open in its experimental form ({@code TO_EXID_FASTOPEN}: bytes 249, 137). */
    public static final int EXID_FASTOPEN = 0xF989;

    /** Length of a well-formed MSS option. */
    public static final int MSS_LENGTH = 4;
    /** Length of a well-formed window-scale option. */
    public static final int WS_LENGTH = 3;
    /** Length of a well-formed SACK-permitted option. */
    public static final int SACK_PERMITTED_LENGTH = 2;
    /** Length of a well-formed timestamps option. */
    public static final int TS_LENGTH = 10;
    /** Length of one SACK block. */
    public static final int SACK_BLOCK_LENGTH = 8;

    private TcpOptionKind()
    {
    }
}
