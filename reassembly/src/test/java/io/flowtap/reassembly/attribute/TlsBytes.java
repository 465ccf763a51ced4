package io.flowtap.reassembly.attribute;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Hand-built TLS records, handshake messages and just enough of an X.509 certificate (DER) for the extractor's
 * tests: every length is computed here, so a test can also cut or corrupt them on purpose.
 */
final class TlsBytes
{
    static final int HANDSHAKE = 22;
    static final int CHANGE_CIPHER_SPEC = 20;
    static final int APPLICATION_DATA = 23;

    private TlsBytes()
    {
    }

    static byte[] record(final int type, final byte[] fragment)
    {
        return concat(new byte[] {(byte)type, 3, 3, (byte)(fragment.length >> 8), (byte)fragment.length}, fragment);
    }

    static byte[] handshake(final int type, final byte[] body)
    {
        return concat(new byte[] {(byte)type}, uint24(body.length), body);
    }

    static byte[] clientHello(final String sni, final String... alpn)
    {
        final byte[] name = ascii(sni);
        final byte[] serverNameList = concat(new byte[] {0}, uint16(name.length), name);
        final byte[] serverName = extension(0, concat(uint16(serverNameList.length), serverNameList));
        final ByteArrayOutputStream protocols = new ByteArrayOutputStream();
        for (final String protocol : alpn)
        {
            protocols.write(protocol.length());
            protocols.writeBytes(ascii(protocol));
        }
        final byte[] alpnList = protocols.toByteArray();
        final byte[] alpnExtension = alpn.length == 0 ? new byte[0] :
            extension(16, concat(uint16(alpnList.length), alpnList));
        final byte[] extensions = concat(serverName, alpnExtension);
        final byte[] body = concat(
            new byte[] {3, 3}, new byte[32], new byte[] {0}, uint16(4), new byte[] {(byte)0xC0, 0x2F, 0, 0x2F},
            new byte[] {1, 0}, uint16(extensions.length), extensions);
        return handshake(1, body);
    }

    static byte[] serverHello(final int version, final int cipher, final int supportedVersion)
    {
        final byte[] extensions = supportedVersion < 0 ? new byte[0] :
            extension(43, uint16(supportedVersion));
        final byte[] body = concat(
            uint16(version), new byte[32], new byte[] {0}, uint16(cipher), new byte[] {0},
            uint16(extensions.length), extensions);
        return handshake(2, body);
    }

    static byte[] certificate(final byte[]... certificates)
    {
        byte[] list = new byte[0];
        for (final byte[] certificate : certificates)
        {
            list = concat(list, uint24(certificate.length), certificate);
        }
        return handshake(11, concat(uint24(list.length), list));
    }

    /** An X.509 v3 certificate skeleton: the fields up to the subject are real DER, the key and signature dummies. */
    static byte[] x509(final byte[] issuer, final byte[] subject)
    {
        final byte[] algorithm = der(0x30, der(0x06, new byte[] {0x2A, (byte)0x86, 0x48, (byte)0x86, (byte)0xF7, 0x0D,
            1, 1, 11}));
        final byte[] validity = der(0x30, concat(der(0x17, ascii("200101000000Z")), der(0x17, ascii("300101000000Z"))));
        final byte[] tbs = der(0x30, concat(
            der(0xA0, der(0x02, new byte[] {2})), der(0x02, new byte[] {0x01, 0x23}), algorithm, issuer, validity,
            subject, der(0x30, concat(algorithm, der(0x03, new byte[] {0, 1, 2, 3})))));
        return der(0x30, concat(tbs, algorithm, der(0x03, new byte[] {0, 9, 9, 9})));
    }

    /** A Name of C, then O (when not null), then CN. */
    static byte[] name(final String organisation, final String commonName)
    {
        byte[] rdns = rdn(6, 0x13, "US");
        if (organisation != null)
        {
            rdns = concat(rdns, rdn(10, 0x0C, organisation));
        }
        rdns = concat(rdns, rdn(3, 0x0C, commonName));
        return der(0x30, rdns);
    }

    private static byte[] rdn(final int type, final int stringTag, final String value)
    {
        return der(0x31, der(0x30, concat(der(0x06, new byte[] {0x55, 0x04, (byte)type}),
            der(stringTag, value.getBytes(StandardCharsets.UTF_8)))));
    }

    static byte[] der(final int tag, final byte[] content)
    {
        final int length = content.length;
        final byte[] header;
        if (length < 0x80)
        {
            header = new byte[] {(byte)tag, (byte)length};
        }
        else if (length < 0x100)
        {
            header = new byte[] {(byte)tag, (byte)0x81, (byte)length};
        }
        else
        {
            header = new byte[] {(byte)tag, (byte)0x82, (byte)(length >> 8), (byte)length};
        }
        return concat(header, content);
    }

    static byte[] extension(final int type, final byte[] data)
    {
        return concat(uint16(type), uint16(data.length), data);
    }

    static byte[] uint16(final int value)
    {
        return new byte[] {(byte)(value >> 8), (byte)value};
    }

    static byte[] uint24(final int value)
    {
        return new byte[] {(byte)(value >> 16), (byte)(value >> 8), (byte)value};
    }

    static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(final byte[]... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static String latin1(final byte[] bytes)
    {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
