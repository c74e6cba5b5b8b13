package dev.eve.bench;

/**
 * The shapes EVE-Base works on at batch 8: 224 px images give 197 vision tokens, text has 40, the
 * joint (vl) sequence 237; width 768, 12 heads of 64, vocabulary 64010.
 */
public final class EveShapes {

    public static final int BATCH = 8, VL_TOKENS = 237, HIDDEN = 768, HEADS = 12, HEAD_DIM = 64, VOCAB = 64010, TEXT = 40;

    private EveShapes() {}

    /** Parses "a x b x c" style shape strings. */
    public static int[] parse(String spec) {
        String[] parts = spec.split("x");
        int[] dims = new int[parts.length];
        for (int i = 0; i < parts.length; i++) dims[i] = Integer.parseInt(parts[i].trim());
        return dims;
    }
}
