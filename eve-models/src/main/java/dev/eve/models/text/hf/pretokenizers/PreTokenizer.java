package dev.eve.models.text.hf.pretokenizers;

import dev.eve.models.text.hf.core.PreTokenizedString;

/** A Hugging Face pre-tokenizer: splits (and may rewrite) the splits that have no tokens yet. */
public interface PreTokenizer {
    void preTokenize(PreTokenizedString s);
}
