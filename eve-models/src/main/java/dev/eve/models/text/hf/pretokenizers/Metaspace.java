package dev.eve.models.text.hf.pretokenizers;

import dev.eve.models.text.hf.core.Pattern;
import dev.eve.models.text.hf.core.PreTokenizedString;
import dev.eve.models.text.hf.core.SplitBehavior;

import java.util.List;

/**
 * {@code Metaspace}: spaces become the replacement character (U+2581 by default), which is prepended per
 * {@code prepend_scheme} ("always", "first": only at the start of the input, "never") unless the split
 * already starts with it; with {@code split} the text is cut before every replacement character.
 */
public record Metaspace(int replacement, String prependScheme, boolean split) implements PreTokenizer {

    @Override
    public void preTokenize(PreTokenizedString s) {
        String rep = new String(Character.toChars(replacement));
        Pattern space = Pattern.chars(c -> c == ' ');
        Pattern repl = Pattern.chars(c -> c == replacement);
        s.splitPlain(n -> {
            n.replace(space, rep);
            boolean startsWith = !n.get().isEmpty() && n.get().codePointAt(0) == replacement;
            switch (prependScheme) {
                case "always" -> {
                    if (!startsWith) n.prepend(rep);
                }
                case "first" -> {
                    if (!startsWith && n.originalShift() == 0) n.prepend(rep);
                }
                default -> { }
            }
            return split ? n.split(repl, SplitBehavior.MERGED_WITH_NEXT) : List.of(n);
        });
    }
}
