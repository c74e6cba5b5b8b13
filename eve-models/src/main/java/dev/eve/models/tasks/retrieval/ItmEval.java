package dev.eve.models.tasks.retrieval;

import dev.eve.models.util.NumpyArgsort;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recall at 1, 5 and 10 for text retrieval (TR, image -> texts) and image retrieval (IR), exactly as
 * the original's {@code itm_eval}: ranks from {@code np.argsort(scores)[::-1]}, an image's rank is
 * the best position of any of its captions, in percent, with the means.
 */
public final class ItmEval {

    private ItmEval() {}

    /**
     * @param i2t     scores [images][texts]
     * @param t2i     scores [texts][images]
     * @param txt2img the image of each text
     * @param img2txt the texts of each image
     */
    public static Map<String, Double> evaluate(float[][] i2t, float[][] t2i, int[] txt2img, List<int[]> img2txt) {
        double[] ranks = new double[i2t.length];
        for (int index = 0; index < i2t.length; index++) {
            int[] positions = descendingPositions(i2t[index]);
            double rank = 1e20;
            for (int t : img2txt.get(index)) rank = Math.min(rank, positions[t]);
            ranks[index] = rank;
        }
        double tr1 = recall(ranks, 1), tr5 = recall(ranks, 5), tr10 = recall(ranks, 10);
        ranks = new double[t2i.length];
        for (int index = 0; index < t2i.length; index++) ranks[index] = descendingPositions(t2i[index])[txt2img[index]];
        double ir1 = recall(ranks, 1), ir5 = recall(ranks, 5), ir10 = recall(ranks, 10);
        double trMean = (tr1 + tr5 + tr10) / 3, irMean = (ir1 + ir5 + ir10) / 3;
        Map<String, Double> r = new LinkedHashMap<>();
        r.put("txt_r1", tr1);
        r.put("txt_r5", tr5);
        r.put("txt_r10", tr10);
        r.put("txt_r_mean", trMean);
        r.put("img_r1", ir1);
        r.put("img_r5", ir5);
        r.put("img_r10", ir10);
        r.put("img_r_mean", irMean);
        r.put("r_mean", (trMean + irMean) / 2);
        return r;
    }

    /** position[j] = where item j lands in {@code argsort(scores)[::-1]}. */
    static int[] descendingPositions(float[] scores) {
        int[] asc = NumpyArgsort.argsort(scores);
        int n = asc.length;
        int[] pos = new int[n];
        for (int k = 0; k < n; k++) pos[asc[n - 1 - k]] = k;
        return pos;
    }

    private static double recall(double[] ranks, int k) {
        int hits = 0;
        for (double r : ranks) if (r < k) hits++;
        return 100.0 * hits / ranks.length;
    }
}
