package dev.eve.models.text.hf.normalizers;

import dev.eve.models.text.hf.core.NormalizedString;

/** A Hugging Face normalizer: rewrites the normalized string in place, keeping its alignments. */
public interface Normalizer {
    void normalize(NormalizedString s);
}
