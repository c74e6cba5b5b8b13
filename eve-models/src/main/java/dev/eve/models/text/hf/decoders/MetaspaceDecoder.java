package dev.eve.models.text.hf.decoders;

import java.util.ArrayList;
import java.util.List;

/** {@code Metaspace}: the replacement character becomes a space, dropped at the start of the first token unless the scheme is "never". */
public record MetaspaceDecoder(int replacement, String prependScheme) implements Decoder {
    @Override
    public List<String> decodeChain(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            StringBuilder b = new StringBuilder(t.length());
            for (int k = 0; k < t.length(); ) {
                int c = t.codePointAt(k);
                k += Character.charCount(c);
                if (c == replacement) {
                    if (!(i == 0 && !prependScheme.equals("never"))) b.append(' ');
                } else {
                    b.appendCodePoint(c);
                }
            }
            out.add(b.toString());
        }
        return out;
    }
}
