package dev.eve.models.text.hf.decoders;

import java.util.List;

/** A Hugging Face decoder: rewrites the token strings; the results are joined without separator. */
public interface Decoder {

    List<String> decodeChain(List<String> tokens);

    default String decode(List<String> tokens) {
        return String.join("", decodeChain(tokens));
    }
}
