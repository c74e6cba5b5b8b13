package dev.eve.models.text.hf.pretokenizers;

import dev.eve.models.text.hf.core.Pattern;
import dev.eve.models.text.hf.core.PreTokenizedString;
import dev.eve.models.text.hf.core.SplitBehavior;
import dev.eve.models.text.util.UnicodeProps;

/**
 * The pre-tokenizers that only split on a pattern: {@code Split} (string or Oniguruma regex, optionally
 * inverted), {@code Whitespace} ({@code \w+|[^\w\s]+}), {@code WhitespaceSplit}, {@code Punctuation},
 * {@code Digits} and {@code CharDelimiterSplit}.
 */
public record PatternSplit(Pattern pattern, SplitBehavior behavior) implements PreTokenizer {

    @Override
    public void preTokenize(PreTokenizedString s) {
        s.splitPlain(n -> n.split(pattern, behavior));
    }

    private static final java.util.regex.Pattern WHITESPACE_RE =
            java.util.regex.Pattern.compile("\\w+|[^\\w\\s]+", java.util.regex.Pattern.UNICODE_CHARACTER_CLASS);

    public static PatternSplit whitespace() {
        return new PatternSplit(Pattern.invert(Pattern.regex(WHITESPACE_RE)), SplitBehavior.REMOVED);
    }

    public static PatternSplit whitespaceSplit() {
        return new PatternSplit(Pattern.chars(UnicodeProps::isWhiteSpace), SplitBehavior.REMOVED);
    }

    public static PatternSplit punctuation(SplitBehavior behavior) {
        return new PatternSplit(Pattern.chars(UnicodeProps::isBertPunctuation), behavior);
    }

    public static PatternSplit digits(boolean individual) {
        return new PatternSplit(Pattern.chars(UnicodeProps::isNumeric), individual ? SplitBehavior.ISOLATED : SplitBehavior.CONTIGUOUS);
    }

    public static PatternSplit charDelimiter(int delimiter) {
        return new PatternSplit(Pattern.chars(c -> c == delimiter), SplitBehavior.REMOVED);
    }
}
