package dev.eve.models.text.hf.core;

import java.util.List;

/** One piece of a {@link PreTokenizedString}: its normalized string and, once tokenized, its tokens. */
public final class Split {

    final NormalizedString normalized;
    List<Token> tokens;

    public Split(NormalizedString normalized, List<Token> tokens) {
        this.normalized = normalized;
        this.tokens = tokens;
    }

    public Split(NormalizedString normalized) {
        this(normalized, null);
    }

    public NormalizedString normalized() {
        return normalized;
    }

    public List<Token> tokens() {
        return tokens;
    }
}
