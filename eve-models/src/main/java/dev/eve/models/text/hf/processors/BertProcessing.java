package dev.eve.models.text.hf.processors;

import dev.eve.models.text.Encoding;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code BertProcessing} and {@code RobertaProcessing}: {@code CLS A SEP} / {@code CLS A SEP B SEP}
 * (RoBERTa: {@code CLS A SEP SEP B SEP}, all type ids 0, and byte-level offset trimming first).
 */
public final class BertProcessing implements PostProcessor {

    private final String sepToken, clsToken;
    private final int sepId, clsId;
    private final boolean roberta, trimOffsets, addPrefixSpace;

    public BertProcessing(String sep, int sepId, String cls, int clsId, boolean roberta, boolean trimOffsets, boolean addPrefixSpace) {
        this.sepToken = sep;
        this.sepId = sepId;
        this.clsToken = cls;
        this.clsId = clsId;
        this.roberta = roberta;
        this.trimOffsets = trimOffsets;
        this.addPrefixSpace = addPrefixSpace;
    }

    @Override
    public int addedTokens(boolean isPair) {
        return isPair ? (roberta ? 4 : 3) : 2;
    }

    @Override
    public List<Encoding> processEncodings(List<Encoding> encodings, boolean addSpecialTokens) {
        List<Encoding> in = new ArrayList<>(encodings);
        if (roberta) {
            for (int i = 0; i < in.size(); i++) {
                Encoding e = in.get(i);
                if (trimOffsets) e = ByteLevelProcessing.trimOffsets(e, addPrefixSpace);
                in.set(i, e.withTypeId(0));
            }
        }
        if (!addSpecialTokens) return in;
        List<Encoding> out = new ArrayList<>();
        Encoding cls = Encoding.special(new int[] {clsId}, new String[] {clsToken}, 0);
        Encoding sep = Encoding.special(new int[] {sepId}, new String[] {sepToken}, 0);
        out.add(cls);
        out.add(in.get(0).withTypeId(0));
        out.add(sep);
        if (in.size() > 1) {
            int type = roberta ? 0 : 1;
            if (roberta) out.add(sep);
            out.add(in.get(1).withTypeId(type));
            out.add(Encoding.special(new int[] {sepId}, new String[] {sepToken}, type));
        }
        return out;
    }
}
