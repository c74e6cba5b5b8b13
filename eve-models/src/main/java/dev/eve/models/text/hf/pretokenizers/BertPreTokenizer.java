package dev.eve.models.text.hf.pretokenizers;

import dev.eve.models.text.hf.core.Pattern;
import dev.eve.models.text.hf.core.PreTokenizedString;
import dev.eve.models.text.hf.core.SplitBehavior;
import dev.eve.models.text.util.UnicodeProps;

/** {@code BertPreTokenizer}: split on whitespace (removed), then isolate every punctuation character. */
public record BertPreTokenizer() implements PreTokenizer {

    private static final Pattern WS = Pattern.chars(UnicodeProps::isWhiteSpace);
    private static final Pattern PUNCT = Pattern.chars(UnicodeProps::isBertPunctuation);

    @Override
    public void preTokenize(PreTokenizedString s) {
        s.splitPlain(n -> n.split(WS, SplitBehavior.REMOVED));
        s.splitPlain(n -> n.split(PUNCT, SplitBehavior.ISOLATED));
    }
}
