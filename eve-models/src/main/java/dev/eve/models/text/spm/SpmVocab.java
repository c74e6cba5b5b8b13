package dev.eve.models.text.spm;

import dev.eve.models.text.TokenizerFormatException;
import dev.eve.models.text.util.ByteTrie;
import dev.eve.models.text.util.Utf8;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pieces of a SentencePiece model and the two lookup tables of its ModelInterface: normal, user-defined
 * and unused pieces in one map, control, unknown and byte pieces in the "reserved" one, which
 * {@link #pieceToId} consults first. Validation follows {@code ModelInterface::InitializePieces}.
 */
final class SpmVocab {

    final int size;
    final byte[][] bytes;
    final String[] text;
    final float[] score;
    final int[] type;
    final Map<String, Integer> pieces = new HashMap<>();
    final Map<String, Integer> reserved = new HashMap<>();
    final int unkId;
    final boolean byteFallback;
    /** Id of the byte piece {@code <0xXX>} for each byte value (via pieceToId, as SentencePiece does). */
    final int[] byteIds = new int[256];
    /** Byte value of each byte piece, -1 for other pieces. */
    final int[] byteValue;
    /** User-defined symbols, matched longest-first in the raw text; null when there are none. */
    final ByteTrie userSymbols;

    SpmVocab(List<ModelProto.Piece> list, boolean byteFallback, Path file) {
        this.size = list.size();
        this.byteFallback = byteFallback;
        bytes = new byte[size][];
        text = new String[size];
        score = new float[size];
        type = new int[size];
        byteValue = new int[size];
        int unk = -1;
        boolean[] byteFound = new boolean[256];
        java.util.List<byte[]> userKeys = new java.util.ArrayList<>();
        java.util.List<Integer> userIds = new java.util.ArrayList<>();
        for (int i = 0; i < size; i++) {
            ModelProto.Piece p = list.get(i);
            bytes[i] = p.bytes();
            text[i] = p.text();
            score[i] = p.score();
            type[i] = p.type();
            byteValue[i] = -1;
            if (p.bytes().length == 0) throw TokenizerFormatException.of(file, "piece " + i + " is empty (piece must not be empty)");
            int t = p.type();
            if (t < ModelProto.NORMAL || t > ModelProto.BYTE)
                throw TokenizerFormatException.of(file, "unsupported piece type " + t + " for piece " + i);
            boolean normal = t == ModelProto.NORMAL || t == ModelProto.USER_DEFINED || t == ModelProto.UNUSED;
            String k = key(p.bytes(), 0, p.bytes().length);
            Map<String, Integer> target = normal ? pieces : reserved;
            if (target.putIfAbsent(k, i) != null)
                throw TokenizerFormatException.of(file, "piece \"" + p.text() + "\" is already defined");
            if (t == ModelProto.USER_DEFINED) {
                userKeys.add(p.bytes());
                userIds.add(i);
            }
            if (t == ModelProto.UNKNOWN) {
                if (unk >= 0) throw TokenizerFormatException.of(file, "unk is already defined");
                unk = i;
            }
            if (t == ModelProto.BYTE) {
                if (!byteFallback)
                    throw TokenizerFormatException.of(file, "byte piece " + p.text() + " is found although `byte_fallback` is false");
                int b = pieceToByte(p.text());
                if (b < 0) throw TokenizerFormatException.of(file, "byte piece " + p.text() + " is invalid");
                byteFound[b] = true;
                byteValue[i] = b;
            }
        }
        if (unk < 0) throw TokenizerFormatException.of(file, "unk is not defined");
        unkId = unk;
        if (byteFallback) {
            for (int b = 0; b < 256; b++)
                if (!byteFound[b]) throw TokenizerFormatException.of(file, "there are not 256 byte pieces although `byte_fallback` is true");
        }
        for (int b = 0; b < 256; b++) byteIds[b] = pieceToId(byteToPiece(b));
        if (userKeys.isEmpty()) {
            userSymbols = null;
        } else {
            int[] ids = userIds.stream().mapToInt(Integer::intValue).toArray();
            userSymbols = ByteTrie.build(userKeys.toArray(byte[][]::new), ids);
        }
    }

    /** The exact bytes as a map key (ISO-8859-1 maps every byte to one char). */
    static String key(byte[] b, int from, int to) {
        return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    }

    static String byteToPiece(int b) {
        return String.format("<0x%02X>", b);
    }

    static int pieceToByte(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') return -1;
        int hi = Character.digit(piece.charAt(3), 16), lo = Character.digit(piece.charAt(4), 16);
        if (hi < 0 || lo < 0) return -1;
        int b = hi * 16 + lo;
        return byteToPiece(b).equals(piece) ? b : -1;
    }

    int pieceToId(String piece) {
        byte[] b = piece.getBytes(StandardCharsets.UTF_8);
        return pieceToId(b, 0, b.length);
    }

    /** {@code ModelInterface::PieceToId}: reserved pieces first, then the others, else unk. */
    int pieceToId(byte[] b, int from, int to) {
        String k = key(b, from, to);
        Integer id = reserved.get(k);
        if (id != null) return id;
        id = pieces.get(k);
        return id != null ? id : unkId;
    }

    /** The id of a normal/user-defined/unused piece, or -1 (no reserved lookup). */
    int normalPieceId(byte[] b, int from, int to) {
        Integer id = pieces.get(key(b, from, to));
        return id == null ? -1 : id;
    }

    boolean isUnknown(int id) {
        return type[id] == ModelProto.UNKNOWN;
    }

    boolean isControl(int id) {
        return type[id] == ModelProto.CONTROL;
    }

    boolean isUnused(int id) {
        return type[id] == ModelProto.UNUSED;
    }

    boolean isByte(int id) {
        return type[id] == ModelProto.BYTE;
    }

    boolean isUserDefined(int id) {
        return type[id] == ModelProto.USER_DEFINED;
    }

    /**
     * {@code PrefixMatcher::PrefixMatch} over the user-defined symbols: the length of the longest symbol at
     * {@code s[from]} as a positive number, or the negated length of one UTF-8 character when none matches.
     */
    int prefixMatch(byte[] s, int from, int to) {
        if (userSymbols != null) {
            long m = userSymbols.longestPrefix(s, from, to);
            if (m >= 0) return (int) (m >>> 32);
        }
        return -Math.min(to - from, Utf8.oneCharLen(s[from]));
    }
}
