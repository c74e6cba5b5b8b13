package dev.eve.models.text.hf.normalizers;

import dev.eve.models.text.hf.core.NormalizedString;

/** {@code Prepend}: puts a string in front of any non-empty text. */
public record Prepend(String prepend) implements Normalizer {
    @Override
    public void normalize(NormalizedString s) {
        if (!s.isEmpty()) s.prepend(prepend);
    }
}
