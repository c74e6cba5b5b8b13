package dev.eve.models.text.hf.pretokenizers;

import dev.eve.models.text.hf.core.PreTokenizedString;

import java.util.List;

/** {@code Sequence}: the pre-tokenizers in order. */
public record SequencePreTokenizer(List<PreTokenizer> preTokenizers) implements PreTokenizer {
    @Override
    public void preTokenize(PreTokenizedString s) {
        for (PreTokenizer p : preTokenizers) p.preTokenize(s);
    }
}
