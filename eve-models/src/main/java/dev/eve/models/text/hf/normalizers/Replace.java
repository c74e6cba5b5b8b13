package dev.eve.models.text.hf.normalizers;

import dev.eve.models.text.hf.core.NormalizedString;
import dev.eve.models.text.hf.core.Pattern;

/** {@code Replace}: every match of a string or Oniguruma regex becomes {@code content}. */
public record Replace(Pattern pattern, String content) implements Normalizer {
    @Override
    public void normalize(NormalizedString s) {
        s.replace(pattern, content);
    }
}
