package dev.eve.models.text.spm;

import dev.eve.models.text.Encoding;
import dev.eve.models.text.Tokenizer;
import dev.eve.models.text.TokenizerException;
import dev.eve.models.text.TokenizerFormatException;
import dev.eve.models.text.util.CharsMap;
import dev.eve.models.text.util.IntList;
import dev.eve.models.text.util.Utf8;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A SentencePiece {@code .model} with the behaviour of the SentencePiece library 0.1.97
 * ({@code SentencePieceProcessor}): normalize, segment with the model's algorithm (BPE, unigram, word or
 * char), then the processor's post-processing: consecutive unknown pieces merge into one {@code <unk>}
 * whose piece is the text it covers, or with byte fallback every byte of an unknown piece becomes a
 * {@code <0xXX>} piece. Special tokens are BOS/EOS ({@code add_bos}/{@code add_eos}).
 */
public final class SentencePieceTokenizer implements Tokenizer {

    private static final String SPACE_SYMBOL = "\u2581";
    private static final String DEFAULT_UNK_SURFACE = " \u2047 ";

    private final Path file;
    private final ModelProto proto;
    private final SpmVocab vocab;
    private final SpmNormalizer normalizer;
    private final SpmNormalizer denormalizer;
    private final Segmenter segmenter;
    private final String modelName;

    private SentencePieceTokenizer(Path file, ModelProto proto) {
        this.file = file;
        this.proto = proto;
        ModelProto.TrainerSpec ts = proto.trainer();
        this.vocab = new SpmVocab(proto.pieces(), ts.byteFallback(), file);
        CharsMap map = charsMap(proto.normalizer(), file, "normalizer_spec");
        this.normalizer = new SpmNormalizer(map, vocab, proto.normalizer(), ts.treatWhitespaceAsSuffix());
        ModelProto.NormalizerSpec dn = proto.denormalizer();
        if (dn != null && dn.precompiledCharsmap() != null) {
            this.denormalizer = new SpmNormalizer(charsMap(dn, file, "denormalizer_spec"), null, dn, false);
        } else {
            this.denormalizer = null;
        }
        switch (ts.modelType()) {
            case ModelProto.UNIGRAM -> {
                segmenter = new UnigramSegmenter(vocab, file);
                modelName = "unigram";
            }
            case ModelProto.BPE -> {
                segmenter = new BpeSegmenter(vocab);
                modelName = "BPE";
            }
            case ModelProto.WORD -> {
                segmenter = new WordSegmenter(vocab);
                modelName = "word";
            }
            case ModelProto.CHAR -> {
                segmenter = new CharSegmenter(vocab);
                modelName = "char";
            }
            default -> throw TokenizerFormatException.of(file, "unsupported model_type " + ts.modelType()
                    + " in trainer_spec (supported: 1 UNIGRAM, 2 BPE, 3 WORD, 4 CHAR)");
        }
    }

    private static CharsMap charsMap(ModelProto.NormalizerSpec spec, Path file, String field) {
        if (spec.precompiledCharsmap() == null) return null;
        try {
            return CharsMap.parse(spec.precompiledCharsmap());
        } catch (IllegalArgumentException e) {
            throw TokenizerFormatException.of(file, field + ".precompiled_charsmap: " + e.getMessage());
        }
    }

    /** Loads a {@code .model} file. */
    public static SentencePieceTokenizer load(Path file) {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw TokenizerFormatException.of(file, "cannot read: " + e.getMessage());
        }
        return fromBytes(data, file);
    }

    /** Parses a serialized ModelProto; {@code file} only names it in errors. */
    public static SentencePieceTokenizer fromBytes(byte[] data, Path file) {
        return new SentencePieceTokenizer(file, ModelProtoReader.read(data, file));
    }

    public ModelProto proto() {
        return proto;
    }

    /** The normalized text (what segmentation sees, U+2581 for spaces), as SentencePiece's normalizer makes it. */
    public String normalize(String text) {
        SpmNormalizer.Result r = normalizer.normalize(Utf8.encode(text));
        return Utf8.decodeLossy(r.text(), 0, r.length());
    }

    public int bosId() {
        return controlId(proto.trainer().bosPiece());
    }

    public int eosId() {
        return controlId(proto.trainer().eosPiece());
    }

    public int padId() {
        return controlId(proto.trainer().padPiece());
    }

    public int unkId() {
        int id = vocab.pieceToId(proto.trainer().unkPiece());
        return vocab.isUnknown(id) ? id : -1;
    }

    private int controlId(String piece) {
        int id = vocab.pieceToId(piece);
        return vocab.isControl(id) ? id : -1;
    }

    /** The pieces of {@code text} (normalized piece strings; an unknown run is its own text). */
    private static final class Pieces {
        final IntList ids = new IntList();
        final IntList offs = new IntList(); // original byte offsets, 2 per piece
        java.util.ArrayList<String> strings; // null when only ids are wanted
    }

    private Pieces run(String text, boolean withStrings) {
        byte[] in = Utf8.encode(text);
        SpmNormalizer.Result norm = normalizer.normalize(in, true);
        IntList segs = new IntList(Math.max(16, norm.length()));
        segmenter.encode(norm.text(), norm.length(), segs);
        byte[] t = norm.text();
        int[] n2o = norm.normToOrig();
        Pieces p = new Pieces();
        if (withStrings) p.strings = new java.util.ArrayList<>(segs.size() / 3 + 2);
        int consumed = 0;
        boolean prevUnk = false;
        for (int k = 0; k < segs.size(); k += 3) {
            int s = segs.get(k), e = segs.get(k + 1), id = segs.get(k + 2);
            int wlen = e - s;
            if (wlen <= 0) throw new TokenizerException(file + ": empty piece is not allowed");
            boolean unk = vocab.isUnknown(id);
            if (vocab.isControl(id)) {
                p.ids.add(id);
                if (withStrings) {
                    p.offs.add(n2o[consumed]);
                    p.offs.add(n2o[consumed]);
                }
                if (withStrings) p.strings.add(Utf8.decodeLossy(t, s, wlen));
            } else {
                int ob = n2o[consumed], oe = n2o[consumed + wlen];
                if (unk && vocab.byteFallback) {
                    for (int i = 0; i < wlen; i++) {
                        int b = t[consumed + i] & 0xFF;
                        p.ids.add(vocab.byteIds[b]);
                        if (withStrings) {
                            p.offs.add(ob);
                            p.offs.add(i == wlen - 1 ? oe : ob);
                        }
                        if (withStrings) p.strings.add(SpmVocab.byteToPiece(b));
                    }
                } else if (prevUnk && unk) {
                    if (withStrings) p.offs.set(p.offs.size() - 1, oe);
                    if (withStrings) {
                        int last = p.strings.size() - 1;
                        p.strings.set(last, p.strings.get(last) + Utf8.decodeLossy(t, s, wlen));
                    }
                } else {
                    p.ids.add(id);
                    if (withStrings) {
                        p.offs.add(ob);
                        p.offs.add(oe);
                    }
                    if (withStrings) {
                        p.strings.add(!unk && vocab.bytes[id].length == wlen ? vocab.text[id] : Utf8.decodeLossy(t, s, wlen));
                    }
                }
                consumed += wlen;
            }
            prevUnk = unk;
        }
        if (consumed != norm.length()) {
            throw new TokenizerException(file + ": all normalized characters are not consumed (a control symbol came out of segmentation)");
        }
        if (withStrings) toCodePoints(text, in, p.offs);
        return p;
    }

    /** Converts original UTF-8 byte offsets to code-point offsets of the text, in place. */
    private static void toCodePoints(String text, byte[] in, IntList offs) {
        if (in.length == text.length()) return; // ASCII: identical
        int[] cpAt = new int[in.length + 1];
        int cp = 0;
        for (int i = 0; i < in.length; ) {
            int len = Utf8.oneCharLen(in[i]);
            for (int k = 0; k < len && i + k < in.length; k++) cpAt[i + k] = cp;
            i += len;
            cp++;
        }
        cpAt[in.length] = cp;
        for (int i = 0; i < offs.size(); i++) offs.set(i, cpAt[offs.get(i)]);
    }

    /**
     * Encodes like {@code sp.encode(text, add_bos=addSpecialTokens, add_eos=addSpecialTokens)} of the Python
     * binding, which inserts {@code bos_id()} and {@code eos_id()} even when the model disables them (then the
     * id is -1, with an empty piece), so the ids match it exactly.
     */
    @Override
    public Encoding encode(String text, boolean addSpecialTokens, int maxLength) {
        Pieces p = run(text, true);
        int n = p.ids.size();
        int extra = addSpecialTokens ? 2 : 0;
        int keep = maxLength > 0 ? Math.max(0, Math.min(n, maxLength - extra)) : n;
        int total = keep + extra;
        int[] ids = new int[total];
        String[] pieces = new String[total];
        int[] offs = new int[2 * total];
        int[] special = new int[total];
        int o = 0;
        if (addSpecialTokens) {
            int bos = bosId();
            ids[o] = bos;
            pieces[o] = bos >= 0 ? vocab.text[bos] : "";
            special[o++] = 1;
        }
        for (int i = 0; i < keep; i++, o++) {
            ids[o] = p.ids.get(i);
            pieces[o] = p.strings.get(i);
            offs[2 * o] = p.offs.get(2 * i);
            offs[2 * o + 1] = p.offs.get(2 * i + 1);
        }
        if (addSpecialTokens) {
            int eos = eosId();
            ids[o] = eos;
            pieces[o] = eos >= 0 ? vocab.text[eos] : "";
            special[o++] = 1;
        }
        int[] att = new int[total];
        Arrays.fill(att, 1);
        return new Encoding(ids, pieces, offs, new int[total], special, att);
    }

    @Override
    public int[] encodeIds(String text, boolean addSpecialTokens) {
        Pieces p = run(text, false);
        if (!addSpecialTokens) return p.ids.toArray();
        IntList out = new IntList(p.ids.size() + 2);
        out.add(bosId());
        for (int i = 0; i < p.ids.size(); i++) out.add(p.ids.get(i));
        out.add(eosId());
        return out.toArray();
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        String unkSurface = proto.trainer().unkSurface() != null ? proto.trainer().unkSurface() : DEFAULT_UNK_SURFACE;
        boolean dummy = proto.normalizer().addDummyPrefix(), removeExtra = proto.normalizer().removeExtraWhitespaces();
        for (int id : ids) {
            if (id < 0 || id >= vocab.size) throw new TokenizerException("Invalid id: " + id + " (" + describe() + ")");
        }
        StringBuilder text = new StringBuilder();
        int byteStart = 0;
        boolean isBosWs = true, bosWsSeen = false;
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (vocab.isByte(id)) continue;
            appendBytes(ids, byteStart, i, text);
            if (bosWsSeen || !text.isEmpty()) isBosWs = false;
            byteStart = i + 1;
            String piece = vocab.text[id];
            String decoded;
            boolean hasBosWs = false;
            if (vocab.isControl(id)) {
                decoded = "";
            } else if (vocab.isUnknown(id)) {
                decoded = unkSurface;
            } else {
                if (isBosWs && (dummy || removeExtra)) {
                    if (piece.startsWith(SPACE_SYMBOL)) {
                        piece = piece.substring(SPACE_SYMBOL.length());
                        hasBosWs = true;
                    }
                    if (removeExtra) hasBosWs = false;
                }
                decoded = piece.replace(SPACE_SYMBOL, " ");
            }
            bosWsSeen = hasBosWs;
            text.append(decoded);
        }
        appendBytes(ids, byteStart, ids.length, text);
        String out = text.toString();
        if (denormalizer != null) out = denormalizer.normalizeToString(out);
        return out;
    }

    /** {@code ProcessBytePieces}: byte pieces become their UTF-8 characters, a malformed byte U+FFFD. */
    private void appendBytes(int[] ids, int from, int to, StringBuilder text) {
        if (from >= to) return;
        byte[] b = new byte[to - from];
        for (int i = from; i < to; i++) b[i - from] = (byte) vocab.byteValue[ids[i]];
        int off = 0;
        while (off < b.length) {
            int v = Utf8.spmValidLength(b, off, b.length);
            if (v < 0) {
                text.append('\uFFFD');
                off += 1;
            } else {
                text.append(new String(b, off, v, StandardCharsets.UTF_8));
                off += v;
            }
        }
    }

    @Override
    public int vocabSize() {
        return vocab.size;
    }

    @Override
    public String idToPiece(int id) {
        return id >= 0 && id < vocab.size ? vocab.text[id] : null;
    }

    @Override
    public int pieceToId(String piece) {
        byte[] b = piece.getBytes(StandardCharsets.UTF_8);
        String k = SpmVocab.key(b, 0, b.length);
        Integer id = vocab.reserved.get(k);
        if (id == null) id = vocab.pieces.get(k);
        return id == null ? -1 : id;
    }

    @Override
    public String padToken() {
        int id = padId();
        return id >= 0 ? vocab.text[id] : null;
    }

    /** Whether unknown characters become byte pieces (then decode(encode(x)) gives back the normalized text). */
    public boolean byteFallback() {
        return vocab.byteFallback;
    }

    @Override
    public String describe() {
        return "SentencePiece " + modelName + " model " + (file == null ? "" : file.getFileName()) + " (" + vocab.size + " pieces)";
    }
}
