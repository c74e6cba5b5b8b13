package dev.eve.models.text.hf;

import dev.eve.models.text.hf.core.NormalizedString;
import dev.eve.models.text.hf.core.PreTokenizedString;
import dev.eve.models.text.hf.core.Split;
import dev.eve.models.text.hf.core.Token;
import dev.eve.models.text.hf.models.Model;
import dev.eve.models.text.hf.normalizers.Normalizer;
import dev.eve.models.text.util.IntList;
import dev.eve.models.text.util.UnicodeProps;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hugging Face's added vocabulary: tokens matched in the raw text before anything else (those with
 * {@code normalized: false}) or in the normalized text ({@code normalized: true}), leftmost-longest, with
 * the {@code single_word}, {@code lstrip} and {@code rstrip} rules. Ids come from the vocabulary when the
 * content is already a token, else after the model's vocabulary, as Rust assigns them.
 */
public final class AddedVocabulary {

    private final Map<String, Integer> tokenToId = new HashMap<>();
    private final Map<Integer, AddedToken> idToToken = new LinkedHashMap<>();
    private final Set<String> special = new HashSet<>();
    private final Map<Integer, String> normalizedCache = new HashMap<>();
    private Trie rawTrie, normalizedTrie;

    /** Adds tokens in order (tokenizer.json's {@code added_tokens}); returns nothing, ids as Rust assigns them. */
    public void add(List<AddedToken> tokens, Model model, Normalizer normalizer) {
        int vocabSize = model.vocabSize();
        int nextId;
        if (idToToken.isEmpty()) {
            nextId = vocabSize;
        } else {
            int max = idToToken.keySet().stream().mapToInt(Integer::intValue).max().getAsInt();
            nextId = (max >= vocabSize || vocabSize == 0) ? max + 1 : vocabSize;
        }
        for (AddedToken t : tokens) {
            if (t.content().isEmpty()) continue;
            Integer existing = tokenToId.get(t.content());
            if (existing != null && t.equals(idToToken.get(existing))) continue;
            int id;
            Integer known = tokenToId.get(t.content());
            if (known == null) {
                int m = model.tokenToId(t.content());
                known = m >= 0 ? m : null;
            }
            if (known != null) {
                id = known;
            } else {
                id = nextId++;
            }
            if (t.normalized() && normalizer != null) {
                NormalizedString s = new NormalizedString(t.content());
                normalizer.normalize(s);
                if (!s.get().equals(t.content())) normalizedCache.put(id, s.get());
            }
            tokenToId.put(t.content(), id);
            if (t.special()) special.add(t.content());
            idToToken.put(id, t);
        }
        List<String> norm = new ArrayList<>(), raw = new ArrayList<>();
        List<Integer> normIds = new ArrayList<>(), rawIds = new ArrayList<>();
        for (var e : idToToken.entrySet()) {
            AddedToken t = e.getValue();
            if (t.normalized()) {
                norm.add(normalizedCache.getOrDefault(e.getKey(), t.content()));
                normIds.add(e.getKey());
            } else {
                raw.add(t.content());
                rawIds.add(e.getKey());
            }
        }
        rawTrie = raw.isEmpty() ? null : new Trie(raw, rawIds);
        normalizedTrie = norm.isEmpty() ? null : new Trie(norm, normIds);
    }

    public boolean isEmpty() {
        return idToToken.isEmpty();
    }

    public int tokenToId(String token) {
        Integer id = tokenToId.get(token);
        return id == null ? -1 : id;
    }

    /** {@code simple_id_to_token}: the (normalized) content of an added token, or null. */
    public String idToToken(int id) {
        AddedToken t = idToToken.get(id);
        if (t == null) return null;
        return normalizedCache.getOrDefault(id, t.content());
    }

    public boolean isSpecial(String token) {
        return special.contains(token);
    }

    public int maxId() {
        return idToToken.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
    }

    public Map<Integer, AddedToken> tokens() {
        return idToToken;
    }

    /** Leftmost-longest multi-pattern matcher over UTF-16 text. */
    private static final class Trie {
        private final Map<Long, Integer> edges = new HashMap<>();
        private final IntList values = new IntList();

        Trie(List<String> patterns, List<Integer> ids) {
            values.add(-1);
            for (int p = 0; p < patterns.size(); p++) {
                String s = patterns.get(p);
                int node = 0;
                for (int i = 0; i < s.length(); i++) {
                    long key = ((long) node << 16) | s.charAt(i);
                    Integer next = edges.get(key);
                    if (next == null) {
                        next = values.size();
                        values.add(-1);
                        edges.put(key, next);
                    }
                    node = next;
                }
                if (values.get(node) < 0) values.set(node, ids.get(p));
            }
        }

        /** Non-overlapping leftmost-longest matches: (start, end, id) triples. */
        IntList matches(String s) {
            IntList out = new IntList();
            int i = 0;
            while (i < s.length()) {
                int node = 0, bestEnd = -1, bestId = -1;
                for (int j = i; j < s.length(); j++) {
                    Integer next = edges.get(((long) node << 16) | s.charAt(j));
                    if (next == null) break;
                    node = next;
                    if (values.get(node) >= 0) {
                        bestEnd = j + 1;
                        bestId = values.get(node);
                    }
                }
                if (bestEnd > 0) {
                    out.add(i, bestEnd, bestId);
                    i = bestEnd;
                } else {
                    i++;
                }
            }
            return out;
        }
    }

    /** Rust regex's Unicode {@code \w}. */
    private static boolean isWordChar(int c) {
        if (Character.isAlphabetic(c)) return true;
        int t = Character.getType(c);
        return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK || t == Character.ENCLOSING_MARK
                || t == Character.DECIMAL_DIGIT_NUMBER || t == Character.CONNECTOR_PUNCTUATION || c == 0x200C || c == 0x200D;
    }

    /** (start, end, id or -1) splits of {@code s}. */
    private IntList findMatches(String s, Trie trie) {
        IntList splits = new IntList();
        if (s.isEmpty()) {
            splits.add(0, 0, -1);
            return splits;
        }
        if (trie == null) {
            splits.add(0, s.length(), -1);
            return splits;
        }
        IntList m = trie.matches(s);
        int startOffset = 0;
        for (int k = 0; k < m.size(); k += 3) {
            int start = m.get(k), stop = m.get(k + 1), id = m.get(k + 2);
            AddedToken t = idToToken.get(id);
            if (t.singleWord()) {
                boolean startSpace = start == 0 || !isWordChar(s.codePointBefore(start));
                boolean stopSpace = stop == s.length() || !isWordChar(s.codePointAt(stop));
                if (!startSpace || !stopSpace) continue;
            }
            if (t.lstrip()) {
                int ns = start;
                while (ns > 0 && UnicodeProps.isWhiteSpace(s.codePointBefore(ns))) ns -= Character.charCount(s.codePointBefore(ns));
                start = Math.max(ns, startOffset);
            }
            if (t.rstrip()) {
                while (stop < s.length() && UnicodeProps.isWhiteSpace(s.codePointAt(stop))) stop += Character.charCount(s.codePointAt(stop));
            }
            if (startOffset < start) splits.add(startOffset, start, -1);
            splits.add(start, stop, id);
            startOffset = stop;
        }
        if (startOffset != s.length()) splits.add(startOffset, s.length(), -1);
        return splits;
    }

    private List<Split> splitWithIndices(NormalizedString n, Trie trie) {
        IntList m = findMatches(n.get(), trie);
        List<Split> out = new ArrayList<>(m.size() / 3);
        for (int k = 0; k < m.size(); k += 3) {
            NormalizedString slice = n.slice(m.get(k), m.get(k + 1));
            int id = m.get(k + 2);
            if (id >= 0) {
                String value = slice.get();
                out.add(new Split(slice, List.of(new Token(id, value, 0, value.length()))));
            } else {
                out.add(new Split(slice));
            }
        }
        return out;
    }

    /** {@code extract_and_normalize}: raw added tokens out, normalize the rest, normalized added tokens out. */
    public PreTokenizedString extractAndNormalize(Normalizer normalizer, String sequence) {
        PreTokenizedString p = new PreTokenizedString(new NormalizedString(sequence));
        p.split(n -> splitWithIndices(n, rawTrie));
        p.split(n -> {
            if (normalizer != null) normalizer.normalize(n);
            return splitWithIndices(n, normalizedTrie);
        });
        return p;
    }
}
