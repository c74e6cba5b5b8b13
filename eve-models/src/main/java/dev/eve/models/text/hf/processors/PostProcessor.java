package dev.eve.models.text.hf.processors;

import dev.eve.models.text.Encoding;

import java.util.List;

/** A Hugging Face post-processor: adds special tokens and sets type ids (one or two sequences). */
public interface PostProcessor {

    /** Number of special tokens added to a single sequence or a pair. */
    int addedTokens(boolean isPair);

    /** The encodings come with their type ids already set to their sequence index. */
    List<Encoding> processEncodings(List<Encoding> encodings, boolean addSpecialTokens);
}
