package dev.eve.models.text.hf.normalizers;

import dev.eve.models.text.hf.core.NormalizedString;

/** {@code Strip}: removes leading and/or trailing whitespace (Unicode White_Space). */
public record Strip(boolean left, boolean right) implements Normalizer {
    @Override
    public void normalize(NormalizedString s) {
        if (left && right) {
            s.strip();
        } else {
            if (left) s.lstrip();
            if (right) s.rstrip();
        }
    }
}
