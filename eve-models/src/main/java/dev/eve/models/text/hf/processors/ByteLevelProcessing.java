package dev.eve.models.text.hf.processors;

import dev.eve.models.text.Encoding;
import dev.eve.models.text.util.UnicodeProps;

import java.util.ArrayList;
import java.util.List;

/** The {@code ByteLevel} post-processor: with {@code trim_offsets}, offsets skip leading/trailing spaces ('Ġ'). */
public record ByteLevelProcessing(boolean trimOffsets, boolean addPrefixSpace) implements PostProcessor {

    private static final int G = 0x120; // the byte character of ' '

    @Override
    public int addedTokens(boolean isPair) {
        return 0;
    }

    @Override
    public List<Encoding> processEncodings(List<Encoding> encodings, boolean addSpecialTokens) {
        if (!trimOffsets) return encodings;
        List<Encoding> out = new ArrayList<>();
        for (Encoding e : encodings) out.add(trimOffsets(e, addPrefixSpace));
        return out;
    }

    /** {@code process_offsets}. */
    static Encoding trimOffsets(Encoding e, boolean addPrefixSpace) {
        int[] offs = e.offsetArray().clone();
        for (int i = 0; i < e.size(); i++) {
            String t = e.piece(i);
            int[] cps = t.codePoints().toArray();
            int leading = 0;
            while (leading < cps.length && (cps[leading] == G || UnicodeProps.isWhiteSpace(cps[leading]))) leading++;
            int trailing = 0;
            while (trailing < cps.length && (cps[cps.length - 1 - trailing] == G || UnicodeProps.isWhiteSpace(cps[cps.length - 1 - trailing]))) trailing++;
            if (leading == 0 && trailing == 0) continue;
            int s = offs[2 * i], en = offs[2 * i + 1];
            if (leading > 0) {
                boolean isFirst = i == 0 || s == 0;
                if (isFirst && addPrefixSpace && leading == 1) leading = 0;
                s = Math.min(s + leading, en);
            }
            if (trailing > 0 && en >= trailing) en = Math.max(en - trailing, s);
            offs[2 * i] = s;
            offs[2 * i + 1] = en;
        }
        return new Encoding(e.ids(), e.pieces().toArray(String[]::new), offs, e.typeIds(), e.specialTokensMask(), e.attentionMask());
    }
}
