package io.flowtap.reassembly.attribute.tls;

import org.agrona.DirectBuffer;

/**
 * Just enough DER to find an X.509 certificate's issuer and subject and an attribute in a Name, in place. An element
 * is returned packed in a long: its content's start in the high 32 bits, its content's end in the low 32, or
 * {@link #MALFORMED}; its tag is the byte at the position read. Only single-byte tags and definite lengths of up to
 * four bytes are accepted, which is all DER allows for certificates of any plausible size.
 * <pre>
 *   Certificate  ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
 *   TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber INTEGER, signature SEQUENCE,
 *                                 issuer Name, validity SEQUENCE, subject Name, ... }
 *   Name ::= SEQUENCE OF SET OF SEQUENCE { type OBJECT IDENTIFIER, value ANY (a string) }
 * </pre>
 */
public final class Der
{
    public static final long MALFORMED = -1;
    public static final int SEQUENCE = 0x30;
    public static final int SET = 0x31;
    public static final int OBJECT_IDENTIFIER = 0x06;
    public static final int INTEGER = 0x02;
    public static final int CONTEXT_0 = 0xA0;
    /** Last byte of id-at-organizationName, 2.5.4.10. */
    public static final int ORGANIZATION = 0x0A;
    /** Last byte of id-at-commonName, 2.5.4.3. */
    public static final int COMMON_NAME = 0x03;

    private Der()
    {
    }

    /**
     * @param buffer holding the DER.
     * @param pos    of the element's tag.
     * @param limit  end of the enclosing content.
     * @return the element's content start and end, packed, or {@link #MALFORMED}.
     */
    public static long element(final DirectBuffer buffer, final int pos, final int limit)
    {
        if (pos < 0 || pos + 2 > limit || (buffer.getByte(pos) & 0x1F) == 0x1F)
        {
            return MALFORMED;
        }
        final int first = buffer.getByte(pos + 1) & 0xFF;
        int content = pos + 2;
        long length;
        if (first < 0x80)
        {
            length = first;
        }
        else
        {
            final int bytes = first & 0x7F;
            if (bytes == 0 || bytes > 4 || content + bytes > limit)
            {
                return MALFORMED;
            }
            length = 0;
            for (int i = 0; i < bytes; i++)
            {
                length = (length << 8) | (buffer.getByte(content + i) & 0xFF);
            }
            content += bytes;
        }
        if (content + length > limit)
        {
            return MALFORMED;
        }
        return ((long)content << 32) | (content + length);
    }

    public static int start(final long element)
    {
        return (int)(element >>> 32);
    }

    public static int end(final long element)
    {
        return (int)element;
    }

    public static int tag(final DirectBuffer buffer, final int pos)
    {
        return buffer.getByte(pos) & 0xFF;
    }

    /**
     * The value of the first attribute of type 2.5.4.{@code attributeType} in a Name.
     *
     * @param buffer        holding the Name.
     * @param nameStart     start of the Name's content (inside its SEQUENCE).
     * @param nameEnd       end of its content.
     * @param attributeType last byte of the attribute's OID, such as {@link #ORGANIZATION}.
     * @return the value's content start and end, packed, or {@link #MALFORMED} when absent or unreadable.
     */
    public static long nameAttribute(
        final DirectBuffer buffer, final int nameStart, final int nameEnd, final int attributeType)
    {
        int rdn = nameStart;
        while (rdn < nameEnd)
        {
            final long set = element(buffer, rdn, nameEnd);
            if (set == MALFORMED || tag(buffer, rdn) != SET)
            {
                return MALFORMED;
            }
            int atv = start(set);
            while (atv < end(set))
            {
                final long sequence = element(buffer, atv, end(set));
                if (sequence == MALFORMED || tag(buffer, atv) != SEQUENCE)
                {
                    return MALFORMED;
                }
                final int oidPos = start(sequence);
                final long oid = element(buffer, oidPos, end(sequence));
                if (oid == MALFORMED || tag(buffer, oidPos) != OBJECT_IDENTIFIER)
                {
                    return MALFORMED;
                }
                if (end(oid) - start(oid) == 3 && buffer.getByte(start(oid)) == 0x55 &&
                    buffer.getByte(start(oid) + 1) == 0x04 && (buffer.getByte(start(oid) + 2) & 0xFF) == attributeType)
                {
                    return element(buffer, end(oid), end(sequence));
                }
                atv = end(sequence);
            }
            rdn = end(set);
        }
        return MALFORMED;
    }
}
