package dev.eve.models.text.spm;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.eve.models.text.TokenizerFormatException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a SentencePiece {@code .model} (a serialized {@code ModelProto}) at the wire level with
 * protobuf-java's {@link CodedInputStream}: no generated code, unknown fields skipped, every length checked
 * by the stream against the bytes that are actually there before anything is allocated.
 */
public final class ModelProtoReader {

    /** A ModelProto of more pieces than this is refused (the largest real vocabularies have ~260k). */
    static final int MAX_PIECES = 4_000_000;

    private ModelProtoReader() {}

    public static ModelProto read(byte[] data, Path file) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(data);
            in.setSizeLimit(Integer.MAX_VALUE);
            List<ModelProto.Piece> pieces = new ArrayList<>();
            ModelProto.TrainerSpec trainer = ModelProto.TrainerSpec.defaults();
            ModelProto.NormalizerSpec normalizer = ModelProto.NormalizerSpec.defaults();
            ModelProto.NormalizerSpec denormalizer = null;
            boolean sawAnything = false;
            while (true) {
                int tag = in.readTag();
                if (tag == 0) break;
                sawAnything = true;
                int field = WireFormat.getTagFieldNumber(tag);
                int wire = WireFormat.getTagWireType(tag);
                if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED && field >= 1 && field <= 5 && field != 4) {
                    int len = in.readRawVarint32();
                    if (len < 0) throw truncated(file);
                    int old = in.pushLimit(len);
                    switch (field) {
                        case 1 -> {
                            if (pieces.size() >= MAX_PIECES) throw TokenizerFormatException.of(file, "more than " + MAX_PIECES + " pieces");
                            pieces.add(readPiece(in));
                        }
                        case 2 -> trainer = readTrainer(in, trainer);
                        case 3 -> normalizer = readNormalizer(in);
                        case 5 -> denormalizer = readNormalizer(in);
                        default -> in.skipRawBytes(in.getBytesUntilLimit());
                    }
                    in.checkLastTagWas(0);
                    in.popLimit(old);
                } else if (!in.skipField(tag)) {
                    break;
                }
            }
            if (!sawAnything || pieces.isEmpty())
                throw TokenizerFormatException.of(file, "not a SentencePiece model (no pieces in the ModelProto)");
            return new ModelProto(List.copyOf(pieces), trainer, normalizer, denormalizer);
        } catch (InvalidProtocolBufferException e) {
            throw TokenizerFormatException.of(file, "not a SentencePiece model (broken protobuf: " + e.getMessage() + ")");
        } catch (IOException e) {
            throw TokenizerFormatException.of(file, "cannot read the ModelProto: " + e.getMessage());
        }
    }

    private static TokenizerFormatException truncated(Path file) {
        return TokenizerFormatException.of(file, "not a SentencePiece model (truncated message)");
    }

    private static ModelProto.Piece readPiece(CodedInputStream in) throws IOException {
        byte[] piece = new byte[0];
        float score = 0f;
        int type = ModelProto.NORMAL;
        while (true) {
            int tag = in.readTag();
            if (tag == 0) break;
            switch (tag) {
                case (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> piece = in.readByteArray();
                case (2 << 3) | WireFormat.WIRETYPE_FIXED32 -> score = in.readFloat();
                case (3 << 3) | WireFormat.WIRETYPE_VARINT -> type = in.readEnum();
                default -> {
                    if (!in.skipField(tag)) return new ModelProto.Piece(piece, text(piece), score, type);
                }
            }
        }
        return new ModelProto.Piece(piece, text(piece), score, type);
    }

    private static String text(byte[] b) {
        return dev.eve.models.text.util.Utf8.decodeLossy(b, 0, b.length);
    }

    private static ModelProto.TrainerSpec readTrainer(CodedInputStream in, ModelProto.TrainerSpec d) throws IOException {
        int modelType = d.modelType();
        boolean suffix = d.treatWhitespaceAsSuffix(), wsOnly = d.allowWhitespaceOnlyPieces(), splitDigits = d.splitDigits(),
                byteFallback = d.byteFallback();
        int unkId = d.unkId(), bosId = d.bosId(), eosId = d.eosId(), padId = d.padId();
        String unk = d.unkPiece(), bos = d.bosPiece(), eos = d.eosPiece(), pad = d.padPiece(), unkSurface = d.unkSurface();
        while (true) {
            int tag = in.readTag();
            if (tag == 0) break;
            int field = WireFormat.getTagFieldNumber(tag);
            int wire = WireFormat.getTagWireType(tag);
            if (wire == WireFormat.WIRETYPE_VARINT) {
                long v = in.readInt64();
                switch (field) {
                    case 3 -> modelType = (int) v;
                    case 24 -> suffix = v != 0;
                    case 26 -> wsOnly = v != 0;
                    case 25 -> splitDigits = v != 0;
                    case 35 -> byteFallback = v != 0;
                    case 40 -> unkId = (int) v;
                    case 41 -> bosId = (int) v;
                    case 42 -> eosId = (int) v;
                    case 43 -> padId = (int) v;
                    default -> { }
                }
            } else if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED && (field >= 44 && field <= 48)) {
                String s = new String(in.readByteArray(), StandardCharsets.UTF_8);
                switch (field) {
                    case 44 -> unkSurface = s;
                    case 45 -> unk = s;
                    case 46 -> bos = s;
                    case 47 -> eos = s;
                    case 48 -> pad = s;
                    default -> { }
                }
            } else if (!in.skipField(tag)) {
                break;
            }
        }
        return new ModelProto.TrainerSpec(modelType, suffix, wsOnly, splitDigits, byteFallback, unkId, bosId, eosId, padId,
                unk, bos, eos, pad, unkSurface);
    }

    private static ModelProto.NormalizerSpec readNormalizer(CodedInputStream in) throws IOException {
        String name = "";
        byte[] charsmap = null;
        boolean dummy = true, removeExtra = true, escape = true;
        while (true) {
            int tag = in.readTag();
            if (tag == 0) break;
            switch (tag) {
                case (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> name = new String(in.readByteArray(), StandardCharsets.UTF_8);
                case (2 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
                    byte[] b = in.readByteArray();
                    charsmap = b.length == 0 ? null : b;
                }
                case (3 << 3) | WireFormat.WIRETYPE_VARINT -> dummy = in.readBool();
                case (4 << 3) | WireFormat.WIRETYPE_VARINT -> removeExtra = in.readBool();
                case (5 << 3) | WireFormat.WIRETYPE_VARINT -> escape = in.readBool();
                default -> {
                    if (!in.skipField(tag)) return new ModelProto.NormalizerSpec(name, charsmap, dummy, removeExtra, escape);
                }
            }
        }
        return new ModelProto.NormalizerSpec(name, charsmap, dummy, removeExtra, escape);
    }
}
