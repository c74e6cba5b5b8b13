package dev.eve.models.text.hf.models;

import dev.eve.models.text.util.Utf8;

/**
 * Maps UTF-8 byte offsets of a word (what the Rust models compute) to UTF-16 offsets; an offset inside a
 * character maps to that character's start (as a start) or end (as an end), which is what Hugging Face's
 * per-byte alignments produce for tokens that cover part of a character (byte-fallback tokens).
 */
final class ByteOffsets {

    private final int[] startOf; // byte -> UTF-16 index of the char containing it
    private final int[] endOf;   // byte -> UTF-16 index after the char containing it
    private final int bytes;

    ByteOffsets(String s) {
        int n = Utf8.length(s);
        bytes = n;
        if (n == s.length()) {
            startOf = null;
            endOf = null;
            return;
        }
        startOf = new int[n + 1];
        endOf = new int[n + 1];
        int b = 0;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int u = Character.charCount(c);
            int l = (Character.isSurrogate(s.charAt(i)) && u == 1) ? 3 : Utf8.lengthOf(c);
            for (int k = 0; k < l; k++) {
                startOf[b + k] = i;
                endOf[b + k] = i + u;
            }
            b += l;
            i += u;
        }
        startOf[n] = s.length();
        endOf[n] = s.length();
    }

    int bytes() {
        return bytes;
    }

    int start(int byteOffset) {
        if (byteOffset >= bytes) return startOf == null ? bytes : startOf[bytes];
        return startOf == null ? byteOffset : startOf[byteOffset];
    }

    int end(int byteOffset) {
        if (byteOffset <= 0) return 0;
        if (byteOffset > bytes) byteOffset = bytes;
        return endOf == null ? byteOffset : endOf[byteOffset - 1];
    }
}
