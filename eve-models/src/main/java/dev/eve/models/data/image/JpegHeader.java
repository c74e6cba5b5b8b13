package dev.eve.models.data.image;

import java.io.ByteArrayOutputStream;

/**
 * What libjpeg (and so Pillow) decides from a JPEG's markers before decoding: the number of
 * components (from the SOF segment), the Adobe APP14 transform, and whether ICC profile segments
 * (APP2 {@code ICC_PROFILE}) are present. Only the header is scanned, up to the first SOS.
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
     * Where the next marker starts at or after {@code i}: bytes that are not 0xFF before a marker are
     * skipped, as libjpeg does ("extraneous bytes before marker", a warning) and TwelveMonkeys too, so
     * that no segment the decoder will read is missed here.
     */
    private static int nextMarker(byte[] d, int i) {
        while (i < d.length && (d[i] & 0xFF) != 0xFF) i++;
        return i;
    }

    /** Scans the markers; a malformed header gives whatever was found (the decoder reports the error). */
    static JpegHeader parse(byte[] d) {
        int components = 0, transform = NO_ADOBE;
        boolean icc = false;
        int i = 2;
        while ((i = nextMarker(d, i)) + 3 < d.length) {
            int marker = d[i + 1] & 0xFF;
            if (marker == 0xFF) { // fill byte
                i++;
                continue;
            }
            if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                i += 2;
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) break; // start of scan / end of image
            int length = ((d[i + 2] & 0xFF) << 8) | (d[i + 3] & 0xFF);
            int payload = i + 4, end = i + 2 + length;
            if (length < 2 || end > d.length) break;
            if (isSof(marker) && payload + 5 < end) components = d[payload + 5] & 0xFF;
            if (marker == 0xEE && startsWith(d, payload, end, "Adobe") && payload + 11 < end) transform = d[payload + 11] & 0xFF;
            if (marker == 0xE2 && startsWith(d, payload, end, "ICC_PROFILE\0")) icc = true;
            i = end;
        }
        return new JpegHeader(components, transform, icc);
    }

    /**
     * A copy of the file without its APP2 ICC_PROFILE segments (Pillow never applies them, and
     * TwelveMonkeys would allocate whatever size a profile's header claims before reading it).
     */
    static byte[] withoutIccProfile(byte[] d) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(d.length);
        out.write(d, 0, 2);
        int i = 2;
        while (i + 3 < d.length) {
            int next = nextMarker(d, i);
            out.write(d, i, next - i);   // extraneous bytes stay: the decoder warns about them as before
            i = next;
            if (i + 3 >= d.length) break;
            int marker = d[i + 1] & 0xFF;
            if (marker == 0xFF || marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                int n = marker == 0xFF ? 1 : 2;
                out.write(d, i, n);
                i += n;
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) break;
            int length = ((d[i + 2] & 0xFF) << 8) | (d[i + 3] & 0xFF);
            int end = i + 2 + length;
            if (length < 2 || end > d.length) break;
            if (!(marker == 0xE2 && startsWith(d, i + 4, end, "ICC_PROFILE\0"))) out.write(d, i, end - i);
            i = end;
        }
        out.write(d, i, d.length - i); // the scans and everything after, untouched
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
