package dev.eve.models.data;

import dev.eve.models.text.EveText;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reader of the NLVR2 files ({images: [left, right], sentence, label: "True"|"False"}), as nlvr_dataset.py. */
public final class NlvrData {

    /** Statements are cleaned with pre_caption to this many words. */
    public static final int MAX_WORDS = 40;

    private NlvrData() {}

    /** One statement about two images; label 1 means True. */
    public record Example(Path left, Path right, String sentence, int label) {}

    public static List<Example> read(List<Path> files, Path imageRoot) {
        List<Example> out = new ArrayList<>();
        for (Annotations.Entry e : Annotations.read(files)) {
            List<String> images = e.strings("images");
            if (images.size() != 2) throw new DataFormatException(e.where("images") + " must name two images, got " + images.size());
            String label = e.string("label");
            int y = switch (label) {
                case "True" -> 1;
                case "False" -> 0;
                default -> throw new DataFormatException(e.where("label") + ": unsupported label '" + label + "' (\"True\" or \"False\")");
            };
            String sentence;
            try {
                sentence = EveText.preCaption(e.string("sentence"), MAX_WORDS);
            } catch (IllegalArgumentException ex) {
                throw new DataFormatException(e.where("sentence") + ": " + ex.getMessage());
            }
            out.add(new Example(e.resolve(imageRoot, "images", images.get(0)), e.resolve(imageRoot, "images", images.get(1)), sentence, y));
        }
        return out;
    }
}
