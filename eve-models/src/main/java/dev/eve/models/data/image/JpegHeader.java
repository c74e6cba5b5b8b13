package dev.eve.models.data.image;

import java.io.ByteArrayOutputStream;

/**
 * What libjpeg (and so Pillow) decides from a JPEG's markers before decoding: the number of
 * components (from the SOF segment), the Adobe APP14 transform, and whether ICC profile segments
 * (APP2 {@code ICC_PROFILE}) are present, from the header up to the first SOS; and the file without
 * its ICC profiles, wherever they are.
 */
record JpegHeader(int components, int adobeTransform, boolean hasIccProfile) {

    /** No Adobe APP14 marker. */
    static final int NO_ADOBE = -1;

    /**
     * libjpeg's guess for a 4-component image: YCCK when an Adobe marker says transform != 0,
     * else CMYK (jdapimin.c {@code default_decompress_parms}).
     */
    boolean isYcck() {
        return components == 4 && adobeTransform != NO_ADOBE && adobeTransform != 0;
    }

    /**
     * Where the next marker starts at or after {@code i}, as libjpeg's {@code next_marker} finds it:
     * bytes other than 0xFF are skipped ("extraneous bytes before marker", a warning), as are fill
     * bytes (0xFF 0xFF) and stuffed zeros (0xFF 0x00, which is also how entropy-coded data escapes
     * 0xFF), so that no segment the decoder will read is missed here. {@code d.length} when none.
     */
    private static int nextMarker(byte[] d, int i) {
        while (i + 1 < d.length) {
            if ((d[i] & 0xFF) != 0xFF) {
                i++;
                continue;
            }
            int next = d[i + 1] & 0xFF;
            if (next == 0xFF) i++;
            else if (next == 0x00) i += 2;
            else return i;
        }
        return d.length;
    }

    /** Markers without a length: SOI, TEM, RST0..7, EOI. */
    private static boolean standalone(int marker) {
        return marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0xD9;
    }

    /**
     * An APP2 segment whose identifier starts with {@code ICC_PROFILE}: the NUL after it is not
     * required, since TwelveMonkeys does not require it either.
     */
    private static boolean isIcc(byte[] d, int i, int end) {
        return (d[i + 1] & 0xFF) == 0xE2 && startsWith(d, i + 4, end, "ICC_PROFILE");
    }

    /** Scans the markers up to the first SOS; a malformed header gives whatever was found (the decoder reports the error). */
    static JpegHeader parse(byte[] d) {
        int components = 0, transform = NO_ADOBE;
        boolean icc = false;
        int i = 2;
        while ((i = nextMarker(d, i)) + 3 < d.length) {
            int marker = d[i + 1] & 0xFF;
            if (marker == 0xDA || marker == 0xD9) break; // start of scan / end of image
            if (standalone(marker)) {
                i += 2;
                continue;
            }
            int length = ((d[i + 2] & 0xFF) << 8) | (d[i + 3] & 0xFF);
            int payload = i + 4, end = i + 2 + length;
            if (length < 2 || end > d.length) break;
            if (isSof(marker) && payload + 5 < end) components = d[payload + 5] & 0xFF;
            if (marker == 0xEE && startsWith(d, payload, end, "Adobe") && payload + 11 < end) transform = d[payload + 11] & 0xFF;
            if (isIcc(d, i, end)) icc = true;
            i = end;
        }
        return new JpegHeader(components, transform, icc);
    }

    /**
     * The file without its APP2 ICC_PROFILE segments, wherever they are (between scans too), or
     * {@code d} itself when it has none. Pillow never applies them, and TwelveMonkeys would allocate
     * whatever size a profile's header claims before reading it. A profile segment cut off by the end
     * of the file is dropped with the rest of the file; everything else is copied byte for byte.
     */
    static byte[] withoutIccProfile(byte[] d) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(d.length);
        out.write(d, 0, Math.min(2, d.length));
        boolean removed = false;
        int i = 2;
        while (i < d.length) {
            int next = nextMarker(d, i);
            out.write(d, i, next - i);   // extraneous bytes and entropy-coded data, untouched
            i = next;
            if (i + 1 >= d.length) break;
            if (standalone(d[i + 1] & 0xFF)) {
                out.write(d, i, 2);
                i += 2;
                continue;
            }
            if (i + 3 >= d.length) break;
            int length = ((d[i + 2] & 0xFF) << 8) | (d[i + 3] & 0xFF);
            int end = i + 2 + length;
            if (isIcc(d, i, Math.min(end, d.length))) {
                removed = true;
                if (end > d.length) return out.toByteArray(); // a cut-off profile: nothing after it to keep
                i = end;
                continue;
            }
            if (length < 2 || end > d.length) break;
            out.write(d, i, end - i);
            i = end;
        }
        if (removed) out.write(d, i, d.length - i);
        return withoutStrayIccSegments(removed ? out.toByteArray() : d);
    }

    /**
     * Removes every {@code FF E2 len "ICC_PROFILE"} byte run the marker walk did not reach (it stops at
     * a malformed segment; TwelveMonkeys reads on). The run cannot occur inside entropy-coded data,
     * where 0xFF is always followed by 0x00 or a restart marker, so searching the raw bytes is safe.
     */
    private static byte[] withoutStrayIccSegments(byte[] d) {
        ByteArrayOutputStream out = null;
        int copied = 0;
        for (int i = 0; i + 3 < d.length; i++) {
            if ((d[i] & 0xFF) != 0xFF || !isIcc(d, i, d.length)) continue;
            int length = ((d[i + 2] & 0xFF) << 8) | (d[i + 3] & 0xFF);
            // at least the length field and the identifier, even when the length claims less
            int end = Math.min(d.length, i + 2 + Math.max(length, 2 + "ICC_PROFILE".length()));
            if (out == null) out = new ByteArrayOutputStream(d.length);
            out.write(d, copied, i - copied);
            copied = end;
            i = end - 1;
        }
        if (out == null) return d;
        out.write(d, copied, d.length - copied);
        return out.toByteArray();
    }

    private static boolean isSof(int m) {
        return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    }

    private static boolean startsWith(byte[] d, int from, int end, String s) {
        if (from + s.length() > end) return false;
        for (int k = 0; k < s.length(); k++) if (d[from + k] != (byte) s.charAt(k)) return false;
        return true;
    }
}
