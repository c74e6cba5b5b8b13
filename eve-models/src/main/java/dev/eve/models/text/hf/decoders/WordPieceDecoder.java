package dev.eve.models.text.hf.decoders;

import java.util.ArrayList;
import java.util.List;

/** {@code WordPiece}: continuation pieces lose their prefix, others get a leading space; optional cleanup. */
public record WordPieceDecoder(String prefix, boolean cleanup) implements Decoder {

    /** Hugging Face's {@code wordpiece::cleanup} (also used by CTC). */
    public static String cleanup(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
                .replace(" n't", "n't").replace(" 'm", "'m").replace(" do not", " don't").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    @Override
    public List<String> decodeChain(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (i != 0) t = t.startsWith(prefix) ? t.substring(prefix.length()) : " " + t;
            if (cleanup) t = cleanup(t);
            out.add(t);
        }
        return out;
    }
}
