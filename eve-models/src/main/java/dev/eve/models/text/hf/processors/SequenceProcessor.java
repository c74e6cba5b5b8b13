package dev.eve.models.text.hf.processors;

import dev.eve.models.text.Encoding;

import java.util.List;

/** {@code Sequence}: post-processors applied in turn. */
public record SequenceProcessor(List<PostProcessor> processors) implements PostProcessor {

    @Override
    public int addedTokens(boolean isPair) {
        int n = 0;
        for (PostProcessor p : processors) n += p.addedTokens(isPair);
        return n;
    }

    @Override
    public List<Encoding> processEncodings(List<Encoding> encodings, boolean addSpecialTokens) {
        List<Encoding> e = encodings;
        for (PostProcessor p : processors) e = p.processEncodings(e, addSpecialTokens);
        return e;
    }
}
