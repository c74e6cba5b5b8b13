package dev.eve.models.text.hf.models;

import dev.eve.models.text.hf.core.Token;

import java.util.List;

/** A Hugging Face model: turns one pre-token into tokens (offsets in UTF-16 units of the pre-token). */
public interface Model {

    List<Token> tokenize(String sequence);

    /** The id of a token, or -1. */
    int tokenToId(String token);

    /** The token of an id, or null. */
    String idToToken(int id);

    /** The number of entries (Rust's {@code get_vocab_size}: the vocabulary map's size). */
    int vocabSize();
}
