package dev.eve.models.eve;

import dev.eve.core.tensor.Tensor;

/**
 * The relative-position-bias variant of the original ({@code _build_relative_position_embed}):
 * index tables into one shared bias table of {@code all} rows x (heads x layers) columns, for the
 * vision window (BEiT-style with CLS rows), for text (1-d distances, sized by the checkpoint's text
 * positions), and for the joint sequence (cross-modality pairs share two learned entries).
 */
public final class RelativePositions {

    final int numRelativeDistance, textNumRelativeDistance, allNumRelativeDistance;
    final long[][] vision, text, joint;

    /**
     * @param grid           patches per side
     * @param maxTextInit    text positions of the initial checkpoint (texts.max_tokens, 196)
     * @param maxText        text length of pairs (pairs.max_tokens)
     */
    RelativePositions(int grid, int maxTextInit, int maxText) {
        numRelativeDistance = (2 * grid - 1) * (2 * grid - 1) + 3;
        textNumRelativeDistance = 2 * maxTextInit;
        allNumRelativeDistance = numRelativeDistance + textNumRelativeDistance + 2;
        int nv = grid * grid + 1;
        vision = new long[nv][nv];
        for (int i = 0; i < grid * grid; i++) {
            for (int j = 0; j < grid * grid; j++) {
                int dh = i / grid - j / grid + grid - 1;
                int dw = i % grid - j % grid + grid - 1;
                vision[i + 1][j + 1] = (long) dh * (2 * grid - 1) + dw;
            }
        }
        for (int j = 0; j < nv; j++) vision[0][j] = numRelativeDistance - 3;
        for (int i = 0; i < nv; i++) vision[i][0] = numRelativeDistance - 2;
        vision[0][0] = numRelativeDistance - 1;

        text = textIndex(maxTextInit, maxTextInit);
        long[][] pairText = textIndex(maxText, maxTextInit);
        int n = nv + maxText;
        joint = new long[n][n];
        for (int i = 0; i < nv; i++) {
            System.arraycopy(vision[i], 0, joint[i], 0, nv);
            for (int j = nv; j < n; j++) joint[i][j] = numRelativeDistance + 1;
        }
        for (int i = 0; i < maxText; i++) {
            for (int j = 0; j < nv; j++) joint[nv + i][j] = numRelativeDistance;
            System.arraycopy(pairText[i], 0, joint[nv + i], nv, maxText);
        }
    }

    private long[][] textIndex(int length, int maxTextInit) {
        long[][] idx = new long[length][length];
        int minDistance = 2 - maxTextInit;
        for (int i = 1; i < length; i++)
            for (int j = 1; j < length; j++)
                idx[i][j] = (long) ((j - 1) - (i - 1)) - minDistance + numRelativeDistance + 2;
        for (int j = 0; j < length; j++) idx[0][j] = allNumRelativeDistance - 3;
        for (int i = 0; i < length; i++) idx[i][0] = allNumRelativeDistance - 2;
        idx[0][0] = allNumRelativeDistance - 1;
        return idx;
    }

    /** The index table of a mode, cut to {@code n} tokens. */
    Tensor index(Mode mode, int n) {
        long[][] src = switch (mode) {
            case VISION -> vision;
            case TEXT -> text;
            case VL -> joint;
        };
        if (n > src.length)
            throw new IllegalArgumentException("relative position bias covers " + src.length + " " + mode.key() + " tokens, got " + n);
        long[] flat = new long[n * n];
        for (int i = 0; i < n; i++) System.arraycopy(src[i], 0, flat, i * n, n);
        return Tensor.of(flat, n, n);
    }
}
