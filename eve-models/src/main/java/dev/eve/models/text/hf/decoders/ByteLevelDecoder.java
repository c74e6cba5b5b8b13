package dev.eve.models.text.hf.decoders;

import dev.eve.models.text.hf.pretokenizers.ByteLevel;
import dev.eve.models.text.util.Utf8;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** {@code ByteLevel}: byte characters back to bytes (a token with other characters keeps its UTF-8), then lossy UTF-8. */
public record ByteLevelDecoder() implements Decoder {
    @Override
    public List<String> decodeChain(List<String> tokens) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String t : tokens) {
            byte[] bytes = new byte[t.length()];
            int n = 0;
            boolean ok = true;
            for (int i = 0; i < t.length() && ok; ) {
                int c = t.codePointAt(i);
                i += Character.charCount(c);
                int v = ByteLevel.byteOf(c);
                if (v < 0) ok = false;
                else bytes[n++] = (byte) v;
            }
            if (ok) b.write(bytes, 0, n);
            else b.writeBytes(t.getBytes(StandardCharsets.UTF_8));
        }
        byte[] all = b.toByteArray();
        return List.of(Utf8.decodeLossy(all, 0, all.length));
    }
}
