package dev.eve.models.text.hf.normalizers;

import dev.eve.models.text.hf.core.NormalizedString;
import dev.eve.models.text.hf.pretokenizers.ByteLevel;

/** The {@code ByteLevel} normalizer: every UTF-8 byte becomes its GPT-2 byte character. */
public record ByteLevelNormalizer() implements Normalizer {
    @Override
    public void normalize(NormalizedString s) {
        s.transform(ByteLevel.byteChars(s.get()), 0);
    }
}
