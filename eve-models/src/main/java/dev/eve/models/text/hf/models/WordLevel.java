package dev.eve.models.text.hf.models;

import dev.eve.models.text.TokenizerException;
import dev.eve.models.text.hf.core.Token;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code WordLevel}: each pre-token is looked up whole, else the unknown token. */
public final class WordLevel implements Model {

    private final Map<String, Integer> vocab;
    private final Map<Integer, String> reverse = new HashMap<>();
    private final String unkToken;

    public WordLevel(Map<String, Integer> vocab, String unkToken) {
        this.vocab = vocab;
        this.unkToken = unkToken;
        vocab.forEach((k, v) -> reverse.put(v, k));
    }

    @Override
    public List<Token> tokenize(String sequence) {
        Integer id = vocab.get(sequence);
        if (id != null) return List.of(new Token(id, sequence, 0, sequence.length()));
        Integer unk = vocab.get(unkToken);
        if (unk == null) throw new TokenizerException("WordLevel error: Missing [UNK] token from the vocabulary");
        return List.of(new Token(unk, unkToken, 0, sequence.length()));
    }

    @Override
    public int tokenToId(String token) {
        Integer id = vocab.get(token);
        return id == null ? -1 : id;
    }

    @Override
    public String idToToken(int id) {
        return reverse.get(id);
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }
}
