package dev.eve.models.data;

import dev.eve.models.text.EveText;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Readers of the retrieval files (X-VLM / ALBEF format), as the original's re_dataset.py. */
public final class RetrievalData {

    /** Captions are cleaned with pre_caption to this many words. */
    public static final int MAX_WORDS = 30;

    private RetrievalData() {}

    /** A training pair; {@code imageIndex} numbers distinct image ids in order of first appearance. */
    public record Pair(Path image, String caption, int imageIndex) {}

    /** Evaluation set: images, all captions (cleaned, file order), and the maps between them. */
    public record EvalSet(List<Path> images, List<String> texts, int[] txt2img, List<int[]> img2txt) {}

    /** {@code [{image, caption, image_id}, ...]} from one or more files. */
    public static List<Pair> train(List<Path> files, Path imageRoot) {
        List<Pair> out = new ArrayList<>();
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (Annotations.Entry e : Annotations.read(files)) {
            int index = ids.computeIfAbsent(e.key("image_id"), k -> ids.size());
            String caption = e.string("caption");
            out.add(new Pair(e.path(imageRoot, "image"), clean(e, caption), index));
        }
        return out;
    }

    /** {@code [{image, caption: [...]}, ...]}: one entry per image with its captions. */
    public static EvalSet eval(Path file, Path imageRoot) {
        List<Path> images = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        List<Integer> t2i = new ArrayList<>();
        List<int[]> i2t = new ArrayList<>();
        for (Annotations.Entry e : Annotations.read(List.of(file))) {
            int img = images.size();
            images.add(e.path(imageRoot, "image"));
            List<String> captions = e.strings("caption");
            int[] ids = new int[captions.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = texts.size();
                texts.add(clean(e, captions.get(i)));
                t2i.add(img);
            }
            i2t.add(ids);
        }
        return new EvalSet(images, texts, t2i.stream().mapToInt(Integer::intValue).toArray(), i2t);
    }

    private static String clean(Annotations.Entry e, String caption) {
        try {
            return EveText.preCaption(caption, MAX_WORDS);
        } catch (IllegalArgumentException ex) {
            throw new DataFormatException(e.where("caption") + ": " + ex.getMessage());
        }
    }
}
