package dev.eve.models.data;

import dev.eve.models.text.EveText;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Image-text pairs for pre-training: JSON lines ({@code {"image": ..., "caption": ...}} per line) or
 * the original JSON list format ({@code [{"image": ..., "caption": ...}, ...]}); {@code caption} is
 * a string or a list of strings ({@code captions} is accepted too), and every caption makes one
 * pair. Captions are cleaned with pre_caption as in fine-tuning; image paths resolve against the root.
 */
public final class PretrainData {

    /** Caption words kept by pre_caption. */
    public static final int MAX_WORDS = 30;

    private PretrainData() {}

    public record Pair(Path image, String caption) {}

    public static List<Pair> read(List<Path> files, Path imageRoot) {
        List<Pair> out = new ArrayList<>();
        for (Annotations.Entry e : Annotations.read(files, true)) {
            String key = e.has("caption") || !e.has("captions") ? "caption" : "captions";
            Path image = e.path(imageRoot, "image");
            for (String c : e.strings(key)) {
                try {
                    out.add(new Pair(image, EveText.preCaption(c, MAX_WORDS)));
                } catch (IllegalArgumentException ex) {
                    throw new DataFormatException(e.where(key) + ": " + ex.getMessage());
                }
            }
        }
        return out;
    }
}
