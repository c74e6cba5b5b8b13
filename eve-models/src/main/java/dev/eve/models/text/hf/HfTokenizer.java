package dev.eve.models.text.hf;

import dev.eve.models.text.Encoding;
import dev.eve.models.text.Tokenizer;
import dev.eve.models.text.TokenizerException;
import dev.eve.models.text.hf.core.PreTokenizedString;
import dev.eve.models.text.hf.decoders.Decoder;
import dev.eve.models.text.hf.models.Model;
import dev.eve.models.text.hf.normalizers.Normalizer;
import dev.eve.models.text.hf.pretokenizers.PreTokenizer;
import dev.eve.models.text.hf.processors.PostProcessor;
import dev.eve.models.text.util.Utf8;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Hugging Face tokenizer with the behaviour of the {@code tokenizers} Rust library (what Python's
 * {@code AutoTokenizer} fast tokenizers run): added tokens, normalizer, pre-tokenizer, model,
 * truncation, post-processor, padding; decoding through the decoder. Offsets are code points of the input.
 */
public final class HfTokenizer implements Tokenizer {

    /** tokenizer.json's {@code truncation}. */
    public record Truncation(int maxLength, boolean left, String strategy, int stride) {}

    /** tokenizer.json's {@code padding} ({@code fixedLength} 0 = BatchLongest). */
    public record Padding(int fixedLength, boolean left, int padToMultipleOf, int padId, int padTypeId, String padToken) {}

    private final Path file;
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final Model model;
    private final PostProcessor postProcessor;
    private final Decoder decoder;
    private final AddedVocabulary added;
    private final Truncation truncation;
    private final Padding padding;
    private final String configPadToken;
    private final boolean cleanUpTokenizationSpaces;

    HfTokenizer(Path file, Normalizer normalizer, PreTokenizer preTokenizer, Model model, PostProcessor postProcessor,
                Decoder decoder, AddedVocabulary added, Truncation truncation, Padding padding, String configPadToken,
                boolean cleanUpTokenizationSpaces) {
        this.file = file;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.postProcessor = postProcessor;
        this.decoder = decoder;
        this.added = added;
        this.truncation = truncation;
        this.padding = padding;
        this.configPadToken = configPadToken;
        this.cleanUpTokenizationSpaces = cleanUpTokenizationSpaces;
    }

    /** Loads a {@code tokenizer.json} (and a {@code tokenizer_config.json} beside it, if present). */
    public static HfTokenizer load(Path file) {
        return TokenizerJson.load(file);
    }

    public Model model() {
        return model;
    }

    public AddedVocabulary addedVocabulary() {
        return added;
    }

    /** The encoding of one sequence before truncation and post-processing. */
    Encoding encodeSequence(String text, int typeId) {
        String s = Utf8.scrub(text);
        PreTokenizedString p = added.extractAndNormalize(normalizer, s);
        if (preTokenizer != null) preTokenizer.preTokenize(p);
        p.tokenize(model::tokenize);
        return p.toEncoding(typeId);
    }

    @Override
    public Encoding encode(String text, boolean addSpecialTokens, int maxLength) {
        return encode(text, null, addSpecialTokens, maxLength);
    }

    /**
     * Encodes a single text or a pair ({@code pair} non-null), as Rust's {@code Tokenizer::encode} with
     * character offsets. {@code maxLength > 0} overrides the file's truncation (longest-first, right) and
     * then the file's padding is not applied (what Python's {@code tokenizer(..., truncation=True)} does).
     */
    public Encoding encode(String text, String pair, boolean addSpecialTokens, int maxLength) {
        Encoding a = encodeSequence(text, 0);
        Encoding b = pair == null ? null : encodeSequence(pair, 1);
        Truncation trunc = maxLength > 0 ? new Truncation(maxLength, false, "longest_first", 0) : truncation;
        if (trunc != null) {
            int nAdded = postProcessor == null ? 0 : postProcessor.addedTokens(b != null);
            int max = trunc.maxLength();
            if (addSpecialTokens && nAdded > 0) {
                if (nAdded > max) throw new TokenizerException("truncation max_length " + max + " is smaller than the " + nAdded + " special tokens");
                max -= nAdded;
            }
            Encoding[] r = truncate(a, b, max, trunc);
            a = r[0];
            b = r[1];
        }
        List<Encoding> encs = new ArrayList<>(2);
        encs.add(a.withTypeId(0));
        if (b != null) encs.add(b.withTypeId(1));
        Encoding out;
        if (postProcessor != null) {
            out = Encoding.concat(postProcessor.processEncodings(encs, addSpecialTokens));
        } else {
            out = encs.size() == 1 ? encs.get(0) : Encoding.concat(encs);
        }
        if (padding != null && maxLength <= 0) {
            int target = padding.fixedLength() > 0 ? padding.fixedLength() : out.size();
            int multiple = padding.padToMultipleOf();
            if (multiple > 0 && target % multiple > 0) target += multiple - target % multiple;
            out = out.pad(target, padding.padId(), padding.padToken(), padding.padTypeId(), padding.left());
        }
        return out;
    }

    private static Encoding[] truncate(Encoding a, Encoding b, int max, Truncation t) {
        if (max == 0) {
            return new Encoding[] {a.truncate(0, t.left()), b == null ? null : b.truncate(0, t.left())};
        }
        int total = a.size() + (b == null ? 0 : b.size());
        if (total <= max) return new Encoding[] {a, b};
        int toRemove = total - max;
        switch (t.strategy()) {
            case "longest_first" -> {
                if (b == null) return new Encoding[] {a.truncate(total - toRemove, t.left()), null};
                int n1 = a.size(), n2 = b.size();
                boolean swap = false;
                if (n1 > n2) {
                    swap = true;
                    int x = n1;
                    n1 = n2;
                    n2 = x;
                }
                if (n1 > max) n2 = n1;
                else n2 = Math.max(n1, max - n1);
                if (n1 + n2 > max) {
                    n1 = max / 2;
                    n2 = n1 + max % 2;
                }
                if (swap) {
                    int x = n1;
                    n1 = n2;
                    n2 = x;
                }
                return new Encoding[] {a.truncate(n1, t.left()), b.truncate(n2, t.left())};
            }
            case "only_first", "only_second" -> {
                boolean first = t.strategy().equals("only_first");
                Encoding target = first ? a : b;
                if (target == null) throw new TokenizerException("Truncation error: Second sequence not provided");
                if (target.size() <= toRemove)
                    throw new TokenizerException("Truncation error: Sequence to truncate too short to respect the provided max_length");
                Encoding cut = target.truncate(target.size() - toRemove, t.left());
                return first ? new Encoding[] {cut, b} : new Encoding[] {a, cut};
            }
            default -> throw new TokenizerException("unsupported truncation strategy " + t.strategy());
        }
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            String t = added.idToToken(id);
            if (t == null) t = model.idToToken(id);
            if (t == null) continue;
            if (skipSpecialTokens && added.isSpecial(t)) continue;
            tokens.add(t);
        }
        if (decoder != null) return decoder.decode(tokens);
        return String.join(" ", tokens);
    }

    /**
     * What Python's {@code PreTrainedTokenizerFast.decode} returns: {@link #decode} followed by
     * transformers' {@code clean_up_tokenization} when the tokenizer_config asks for it.
     */
    public String decodePython(int[] ids, boolean skipSpecialTokens) {
        String s = decode(ids, skipSpecialTokens);
        return cleanUpTokenizationSpaces ? cleanUpTokenization(s) : s;
    }

    /** transformers' {@code clean_up_tokenization}. */
    public static String cleanUpTokenization(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
                .replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s").replace(" 've", "'ve").replace(" 're", "'re");
    }

    @Override
    public int vocabSize() {
        return Math.max(model.vocabSize(), added.maxId() + 1);
    }

    @Override
    public String idToPiece(int id) {
        String t = added.idToToken(id);
        return t != null ? t : model.idToToken(id);
    }

    @Override
    public int pieceToId(String piece) {
        int id = added.tokenToId(piece);
        return id >= 0 ? id : model.tokenToId(piece);
    }

    @Override
    public String padToken() {
        if (padding != null && padding.padToken() != null) return padding.padToken();
        return configPadToken;
    }

    @Override
    public String describe() {
        return "Hugging Face tokenizer " + (file == null ? "" : file.toString());
    }
}
