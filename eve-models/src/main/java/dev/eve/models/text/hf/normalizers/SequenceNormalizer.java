package dev.eve.models.text.hf.normalizers;

import dev.eve.models.text.hf.core.NormalizedString;

import java.util.List;

/** {@code Sequence}: the normalizers in order. */
public record SequenceNormalizer(List<Normalizer> normalizers) implements Normalizer {
    @Override
    public void normalize(NormalizedString s) {
        for (Normalizer n : normalizers) n.normalize(s);
    }
}
