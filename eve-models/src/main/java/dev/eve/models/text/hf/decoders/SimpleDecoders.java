package dev.eve.models.text.hf.decoders;

import dev.eve.models.text.hf.core.Pattern;
import dev.eve.models.text.util.IntList;
import dev.eve.models.text.util.Utf8;

import java.util.ArrayList;
import java.util.List;

/** The small decoders: {@code BPEDecoder}, {@code ByteFallback}, {@code Fuse}, {@code Strip}, {@code Replace}, {@code CTC}, {@code Sequence}. */
public final class SimpleDecoders {

    private SimpleDecoders() {}

    /** {@code BPEDecoder}: the word suffix becomes a space (nothing on the last token). */
    public record BpeDecoder(String suffix) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) out.add(tokens.get(i).replace(suffix, i == tokens.size() - 1 ? "" : " "));
            return out;
        }
    }

    /** {@code ByteFallback}: runs of {@code <0xXX>} tokens become their UTF-8 text, or one U+FFFD per byte if invalid. */
    public record ByteFallback() implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            byte[] pending = new byte[tokens.size()];
            int np = 0;
            for (String t : tokens) {
                int b = byteOf(t);
                if (b >= 0) {
                    pending[np++] = (byte) b;
                    continue;
                }
                np = flush(out, pending, np);
                out.add(t);
            }
            flush(out, pending, np);
            return out;
        }

        private static int byteOf(String t) {
            if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
            int hi = Character.digit(t.charAt(3), 16), lo = Character.digit(t.charAt(4), 16);
            if (hi < 0 || lo < 0 || t.charAt(3) > 0x7F || t.charAt(4) > 0x7F) return -1;
            return hi * 16 + lo;
        }

        private static int flush(List<String> out, byte[] pending, int np) {
            if (np == 0) return 0;
            String s = Utf8.decodeStrict(pending, 0, np);
            if (s != null) out.add(s);
            else for (int k = 0; k < np; k++) out.add("\uFFFD");
            return 0;
        }
    }

    /** {@code Fuse}: all tokens into one string. */
    public record Fuse() implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            return List.of(String.join("", tokens));
        }
    }

    /** {@code Strip}: removes up to {@code start} leading and {@code stop} trailing {@code content} characters per token. */
    public record Strip(int content, int start, int stop) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                int[] cps = t.codePoints().toArray();
                int startCut = 0;
                for (int i = 0; i < Math.min(start, cps.length); i++) {
                    if (cps[i] == content) startCut = i + 1;
                    else break;
                }
                int stopCut = cps.length;
                for (int i = 0; i < stop; i++) {
                    int index = cps.length - i - 1;
                    if (index < 0) throw new dev.eve.models.text.TokenizerException("Strip decoder: token shorter than stop");
                    if (cps[index] == content) stopCut = index;
                    else break;
                }
                out.add(startCut <= stopCut ? new String(cps, startCut, stopCut - startCut) : "");
            }
            return out;
        }
    }

    /** {@code Replace}: every match in each token becomes {@code content}. */
    public record Replace(Pattern pattern, String content) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            IntList m = new IntList();
            for (String t : tokens) {
                m.clear();
                pattern.findMatches(t, m);
                StringBuilder b = new StringBuilder(t.length());
                for (int k = 0; k < m.size(); k += 3) {
                    if (m.get(k + 2) == 1) b.append(content);
                    else b.append(t, m.get(k), m.get(k + 1));
                }
                out.add(b.toString());
            }
            return out;
        }
    }

    /** {@code CTC}: dedup consecutive tokens, drop the pad token, optional cleanup and word delimiter to space. */
    public record Ctc(String padToken, String wordDelimiterToken, boolean cleanup) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>();
            String prev = null;
            for (String t : tokens) {
                if (t.equals(prev)) continue;
                prev = t;
                String r = t.replace(padToken, "");
                if (cleanup) r = WordPieceDecoder.cleanup(r).replace(wordDelimiterToken, " ");
                if (!r.isEmpty()) out.add(r);
            }
            return out;
        }
    }

    /** {@code Sequence}: decoders chained. */
    public record Sequence(List<Decoder> decoders) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> t = tokens;
            for (Decoder d : decoders) t = d.decodeChain(t);
            return t;
        }
    }
}
