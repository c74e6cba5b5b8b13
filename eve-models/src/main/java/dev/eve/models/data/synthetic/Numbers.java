package dev.eve.models.data.synthetic;

import java.util.List;

/** Number words of the texts (counts are written in words, as VQA answers usually are). */
final class Numbers {

    static final List<String> WORDS = List.of("zero", "one", "two", "three", "four");

    private Numbers() {}

    static String word(int n) {
        if (n < 0 || n >= WORDS.size()) throw new IllegalArgumentException("no number word for " + n);
        return WORDS.get(n);
    }
}
