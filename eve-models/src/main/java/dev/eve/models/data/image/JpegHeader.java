package dev.eve.models.data.image;

/**
 * What libjpeg (and so Pillow) decides from a JPEG's markers before decoding: the number of
 * components (from the SOF segment), the Adobe APP14 transform, and whether ICC profile segments
 * (APP2 {@code ICC_PROFILE}) are present, from the header up to the first SOS; and the file with
 * its ICC profiles made unrecognisable, wherever they are.
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

    /** The 11 bytes that identify an ICC profile segment, and what they become. */
    private static final byte[] ICC = "ICC_PROFILE".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] NOT_ICC = "ICC_IGNORED".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * The file with every ICC profile made unrecognisable, or {@code d} itself when it has none: each
     * {@code ICC_PROFILE} identifier, wherever it is, is renamed in place. Pillow never applies
     * embedded profiles, so TwelveMonkeys must not see one: it would colour-convert with it, and from
     * a malformed file it allocates whatever size the profile's header claims (fuzzing found four
     * ways to reach that past a marker walk: garbage before a marker, stuffed zeros, a bad segment,
     * a profile between scans). Renaming, unlike cutting segments out, keeps every length and offset
     * valid, so it is safe anywhere: an EXIF thumbnail stays a valid JPEG, and entropy-coded data
     * cannot hold these bytes except by a 2^-88 chance.
     */
    static byte[] withoutIccProfile(byte[] d) {
        byte[] out = d;
        for (int i = 0; i + ICC.length <= d.length; i++) {
            if (d[i] != ICC[0] || !java.util.Arrays.equals(d, i, i + ICC.length, ICC, 0, ICC.length)) continue;
            if (out == d) out = d.clone();
            System.arraycopy(NOT_ICC, 0, out, i, NOT_ICC.length);
            i += ICC.length - 1;
        }
        return out;
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
