package dev.eve.models.text.hf.normalizers;

import dev.eve.models.text.hf.core.NormalizedString;

import java.text.Normalizer.Form;

/** {@code NFC}, {@code NFD}, {@code NFKC}, {@code NFKD}. */
public record UnicodeNormalizer(Form form) implements Normalizer {
    @Override
    public void normalize(NormalizedString s) {
        s.normalize(form);
    }
}
