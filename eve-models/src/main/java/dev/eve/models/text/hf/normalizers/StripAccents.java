package dev.eve.models.text.hf.normalizers;

import dev.eve.models.text.hf.core.NormalizedString;
import dev.eve.models.text.util.RustUnicode;

/** {@code StripAccents}: removes combining marks (Mn, Mc, Me, by the Rust library's tables); usually placed after NFD. */
public record StripAccents() implements Normalizer {
    @Override
    public void normalize(NormalizedString s) {
        s.filter(c -> !RustUnicode.isMark(c));
    }
}
