package dev.eve.models.text.hf.models;

import dev.eve.models.text.TokenizerException;
import dev.eve.models.text.hf.core.Token;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code WordPiece}: greedy longest-match-first from the left, continuation pieces carry the prefix
 * ({@code ##}); a word longer than {@code max_input_chars_per_word} characters, or with any part that
 * matches nothing, becomes one unknown token.
 */
public final class WordPiece extends VocabModel {

    private final String unkToken;
    private final String prefix;
    private final int maxInputChars;

    public WordPiece(Map<String, Integer> vocab, String unkToken, String continuingSubwordPrefix, int maxInputCharsPerWord) {
        super(vocab);
        this.unkToken = unkToken;
        this.prefix = continuingSubwordPrefix;
        this.maxInputChars = maxInputCharsPerWord;
    }

    private List<Token> unk(String sequence) {
        Integer id = vocab.get(unkToken);
        if (id == null) throw new TokenizerException("WordPiece error: Missing [UNK] token from the vocabulary");
        return List.of(new Token(id, unkToken, 0, sequence.length()));
    }

    @Override
    public List<Token> tokenize(String sequence) {
        if (sequence.codePointCount(0, sequence.length()) > maxInputChars) return unk(sequence);
        List<Token> out = new ArrayList<>();
        int start = 0;
        int len = sequence.length();
        while (start < len) {
            int end = len;
            Token cur = null;
            while (start < end) {
                String sub = sequence.substring(start, end);
                if (start > 0) sub = prefix + sub;
                Integer id = vocab.get(sub);
                if (id != null) {
                    cur = new Token(id, sub, start, end);
                    break;
                }
                end = sequence.offsetByCodePoints(end, -1);
            }
            if (cur == null) return unk(sequence);
            out.add(cur);
            start = end;
        }
        return out;
    }
}
