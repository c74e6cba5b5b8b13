package dev.eve.models.text.hf.processors;

import dev.eve.models.text.Encoding;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code TemplateProcessing}: single and pair templates of sequences ({@code $A}, {@code $B}) and special
 * tokens, each with a type id; special tokens are left out when special tokens are not wanted, but the
 * type ids of the sequences still follow the template.
 */
public final class TemplateProcessing implements PostProcessor {

    /** A template piece: a sequence (0 = A, 1 = B) or a special token id, with its type id. */
    public record Piece(boolean sequence, int seq, String special, int typeId) {}

    /** A special token of the template: its ids and token strings. */
    public record SpecialToken(String id, int[] ids, String[] tokens) {}

    private final List<Piece> single, pair;
    private final Map<String, SpecialToken> specials;
    private final int addedSingle, addedPair;

    public TemplateProcessing(List<Piece> single, List<Piece> pair, Map<String, SpecialToken> specials) {
        this.single = single;
        this.pair = pair;
        this.specials = specials;
        this.addedSingle = count(single);
        this.addedPair = count(pair);
    }

    private int count(List<Piece> t) {
        int n = 0;
        for (Piece p : t) {
            if (!p.sequence()) {
                SpecialToken s = specials.get(p.special());
                if (s != null) n += s.ids().length;
            }
        }
        return n;
    }

    @Override
    public int addedTokens(boolean isPair) {
        return isPair ? addedPair : addedSingle;
    }

    @Override
    public List<Encoding> processEncodings(List<Encoding> encodings, boolean addSpecialTokens) {
        List<Piece> template = encodings.size() == 2 ? pair : single;
        List<Encoding> out = new ArrayList<>();
        for (Piece p : template) {
            if (p.sequence()) {
                out.add(encodings.get(p.seq()).withTypeId(p.typeId()));
            } else if (addSpecialTokens) {
                SpecialToken s = specials.get(p.special());
                out.add(Encoding.special(s.ids(), s.tokens(), p.typeId()));
            }
        }
        return out;
    }
}
