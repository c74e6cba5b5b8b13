package dev.eve.models.text.hf.normalizers;

import dev.eve.models.text.hf.core.NormalizedString;

/** {@code Lowercase}: Rust's per-character {@code to_lowercase}. */
public record Lowercase() implements Normalizer {
    @Override
    public void normalize(NormalizedString s) {
        s.lowercase();
    }
}
