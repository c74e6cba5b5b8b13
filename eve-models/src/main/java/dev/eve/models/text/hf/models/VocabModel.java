package dev.eve.models.text.hf.models;

import java.util.HashMap;
import java.util.Map;

/** A model over a token -> id map (BPE, WordPiece, WordLevel): the lookups both ways and the size. */
abstract class VocabModel implements Model {

    protected final Map<String, Integer> vocab;
    protected final Map<Integer, String> reverse = new HashMap<>();

    VocabModel(Map<String, Integer> vocab) {
        this.vocab = vocab;
        vocab.forEach((k, v) -> reverse.put(v, k));
    }

    @Override
    public final int tokenToId(String token) {
        Integer id = vocab.get(token);
        return id == null ? -1 : id;
    }

    @Override
    public final String idToToken(int id) {
        return reverse.get(id);
    }

    @Override
    public final int vocabSize() {
        return vocab.size();
    }
}
