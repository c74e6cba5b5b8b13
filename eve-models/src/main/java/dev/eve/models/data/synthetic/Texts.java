package dev.eve.models.data.synthetic;

import dev.eve.models.data.NlvrData;
import dev.eve.models.data.RetrievalData;
import dev.eve.models.data.VqaData;
import dev.eve.models.text.EveText;

import java.util.List;

/** Small helpers to write the texts: lists of phrases, capitalisation, EVE's cleaning. */
final class Texts {

    private Texts() {}

    /** "a", "a and b", "a, b and c". */
    static String join(List<String> phrases) {
        if (phrases.isEmpty()) throw new IllegalArgumentException("nothing to join");
        if (phrases.size() == 1) return phrases.get(0);
        return String.join(", ", phrases.subList(0, phrases.size() - 1)) + " and " + phrases.get(phrases.size() - 1);
    }

    /** "a" for one, else the number word: "a red circle", "two red circles". */
    static String counted(int n, String singular, String plural) {
        return n == 1 ? "a " + singular : Numbers.word(n) + " " + plural;
    }

    /** The written form: first letter upper case, then the final punctuation. */
    static String sentence(String text, char end) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1) + end;
    }

    static Caption caption(CaptionStyle style, String text) {
        String raw = sentence(text, '.');
        return new Caption(style, EveText.preCaption(raw, RetrievalData.MAX_WORDS), raw);
    }

    static String cleanQuestion(String raw) {
        return EveText.preQuestion(raw, VqaData.TEST_WORDS);
    }

    static String cleanStatement(String raw) {
        return EveText.preCaption(raw, NlvrData.MAX_WORDS);
    }
}
