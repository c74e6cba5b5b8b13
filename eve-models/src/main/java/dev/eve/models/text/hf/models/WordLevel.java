package dev.eve.models.text.hf.models;

import dev.eve.models.text.TokenizerException;
import dev.eve.models.text.hf.core.Token;

import java.util.List;
import java.util.Map;

/** {@code WordLevel}: each pre-token is looked up whole, else the unknown token. */
public final class WordLevel extends VocabModel {

    private final String unkToken;

    public WordLevel(Map<String, Integer> vocab, String unkToken) {
        super(vocab);
        this.unkToken = unkToken;
    }

    @Override
    public List<Token> tokenize(String sequence) {
        Integer id = vocab.get(sequence);
        if (id != null) return List.of(new Token(id, sequence, 0, sequence.length()));
        Integer unk = vocab.get(unkToken);
        if (unk == null) throw new TokenizerException("WordLevel error: Missing [UNK] token from the vocabulary");
        return List.of(new Token(unk, unkToken, 0, sequence.length()));
    }
}
