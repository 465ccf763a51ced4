package io.flowtap.reassembly.attribute.tls;

import io.flowtap.reassembly.Flow;
import io.flowtap.reassembly.attribute.AttributeNames;
import org.agrona.DirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * A TLS Certificate message's chain, read in place from the extractor's message buffer: where each certificate is,
 * each one's issuer and subject Names (by {@link Der}), and from them the attributes reported through
 * {@link Flow#attribute}: the server certificate's subject organisation ({@link AttributeNames#TLS_O}) and each
 * issuer, as root or intermediate authority. Positions are kept in arrays sized once, for at most
 * {@code maxCertificates}.
 * <pre>
 *   Certificate: certificate_list (3 + n): each certificate's length (3) and DER
 * </pre>
 * Owned by one extractor, on the engine's thread.
 */
public final class CertificateChain
{
    private final DirectBuffer message;
    private final int maxCertificates;
    private final int[] certificateStart;
    private final int[] certificateEnd;
    private final long[] issuer;
    private final long[] subject;

    /**
     * @param message         the buffer handshake messages are put together in.
     * @param maxCertificates the most certificates of a chain looked at.
     */
    public CertificateChain(final DirectBuffer message, final int maxCertificates)
    {
        this.message = message;
        this.maxCertificates = maxCertificates;
        this.certificateStart = new int[maxCertificates];
        this.certificateEnd = new int[maxCertificates];
        this.issuer = new long[maxCertificates];
        this.subject = new long[maxCertificates];
    }

    /**
     * Find the certificates of a Certificate message's body, the first {@code maxCertificates} of them.
     *
     * @param start of the body in the message buffer.
     * @param end   of the body.
     * @return how many were found, or -1 when the list is malformed.
     */
    public int split(final int start, final int end)
    {
        if (start + 3 > end || start + 3 + uint24(message, start) != end)
        {
            return -1;
        }
        int count = 0;
        int p = start + 3;
        while (p + 3 <= end && count < maxCertificates)
        {
            final int certificateLength = uint24(message, p);
            if (p + 3 + certificateLength > end)
            {
                return -1;
            }
            certificateStart[count] = p + 3;
            certificateEnd[count] = p + 3 + certificateLength;
            count++;
            p += 3 + certificateLength;
        }
        return count;
    }

    /**
     * Report the chain's attributes: the first certificate is the server's own; each one's issuer is an intermediate
     * authority, except the last one's, or one whose issuer's certificate is self-signed, which is the root.
     *
     * @param flow      the flow.
     * @param direction of the message.
     * @param count     certificates found by {@link #split}, each read by {@link #names}.
     * @param timeNs    capture time.
     */
    public void report(final Flow flow, final int direction, final int count, final long timeNs)
    {
        if (count > 0 && subject[0] != Der.MALFORMED)
        {
            final long organisation = Der.nameAttribute(message, Der.start(subject[0]), Der.end(subject[0]),
                Der.ORGANIZATION);
            if (organisation != Der.MALFORMED)
            {
                flow.attribute(direction, AttributeNames.TLS_O, message, Der.start(organisation),
                    Der.end(organisation) - Der.start(organisation), timeNs);
            }
        }
        for (int i = 0; i < count; i++)
        {
            if (issuer[i] == Der.MALFORMED || (i > 0 && selfSigned(i)))
            {
                continue;
            }
            long name = Der.nameAttribute(message, Der.start(issuer[i]), Der.end(issuer[i]), Der.ORGANIZATION);
            if (name == Der.MALFORMED)
            {
                name = Der.nameAttribute(message, Der.start(issuer[i]), Der.end(issuer[i]), Der.COMMON_NAME);
            }
            if (name != Der.MALFORMED)
            {
                final boolean root = i == count - 1 || selfSigned(i + 1);
                flow.attribute(direction, root ? AttributeNames.TLS_CA_ROOT : AttributeNames.TLS_CA_INTER,
                    message, Der.start(name), Der.end(name) - Der.start(name), timeNs);
            }
        }
    }

    /**
     * Find certificate {@code i}'s issuer and subject Names (their content), or mark them {@link Der#MALFORMED}.
     *
     * @param i a certificate found by {@link #split}.
     * @return false when the certificate is malformed.
     */
    public boolean names(final int i)
    {
        issuer[i] = Der.MALFORMED;
        subject[i] = Der.MALFORMED;
        final int limit = certificateEnd[i];
        final long certificate = Der.element(message, certificateStart[i], limit);
        if (certificate == Der.MALFORMED || Der.tag(message, certificateStart[i]) != Der.SEQUENCE)
        {
            return false;
        }
        final int tbsPos = Der.start(certificate);
        final long tbs = Der.element(message, tbsPos, Der.end(certificate));
        if (tbs == Der.MALFORMED || Der.tag(message, tbsPos) != Der.SEQUENCE)
        {
            return false;
        }
        final int tbsEnd = Der.end(tbs);
        int p = Der.start(tbs);
        if (p < tbsEnd && Der.tag(message, p) == Der.CONTEXT_0)
        {
            final long version = Der.element(message, p, tbsEnd);
            if (version == Der.MALFORMED)
            {
                return false;
            }
            p = Der.end(version);
        }
        final long serial = Der.element(message, p, tbsEnd);
        if (serial == Der.MALFORMED || Der.tag(message, p) != Der.INTEGER)
        {
            return false;
        }
        p = Der.end(serial);
        final long signature = Der.element(message, p, tbsEnd);
        if (signature == Der.MALFORMED || Der.tag(message, p) != Der.SEQUENCE)
        {
            return false;
        }
        p = Der.end(signature);
        final long issuerName = Der.element(message, p, tbsEnd);
        if (issuerName == Der.MALFORMED || Der.tag(message, p) != Der.SEQUENCE)
        {
            return false;
        }
        p = Der.end(issuerName);
        final long validity = Der.element(message, p, tbsEnd);
        if (validity == Der.MALFORMED || Der.tag(message, p) != Der.SEQUENCE)
        {
            return false;
        }
        p = Der.end(validity);
        final long subjectName = Der.element(message, p, tbsEnd);
        if (subjectName == Der.MALFORMED || Der.tag(message, p) != Der.SEQUENCE)
        {
            return false;
        }
        issuer[i] = issuerName;
        subject[i] = subjectName;
        return true;
    }

    private boolean selfSigned(final int i)
    {
        final long issuerName = issuer[i];
        final long subjectName = subject[i];
        if (issuerName == Der.MALFORMED || subjectName == Der.MALFORMED)
        {
            return false;
        }
        final int length = Der.end(issuerName) - Der.start(issuerName);
        if (length != Der.end(subjectName) - Der.start(subjectName))
        {
            return false;
        }
        final int issuerStart = Der.start(issuerName);
        final int subjectStart = Der.start(subjectName);
        for (int k = 0; k < length; k++)
        {
            if (message.getByte(issuerStart + k) != message.getByte(subjectStart + k))
            {
                return false;
            }
        }
        return true;
    }

    private static int uint16(final DirectBuffer buffer, final int at)
    {
        return buffer.getShort(at, BIG_ENDIAN) & 0xFFFF;
    }

    private static int uint24(final DirectBuffer buffer, final int at)
    {
        return ((buffer.getByte(at) & 0xFF) << 16) | uint16(buffer, at + 1);
    }
}
