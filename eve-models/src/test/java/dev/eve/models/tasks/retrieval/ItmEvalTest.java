package dev.eve.models.tasks.retrieval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Recall metrics on small hand-computed score matrices. */
class ItmEvalTest {

    @Test
    void recallsOnAHandMadeMatrix() {
        // 3 images, 4 texts; text t belongs to image txt2img[t].
        int[] txt2img = {0, 0, 1, 2};
        List<int[]> img2txt = List.of(new int[] {0, 1}, new int[] {2}, new int[] {3});
        float[][] i2t = {
            {0.1f, 0.9f, 0.3f, 0.2f},   // image 0: its text 1 is first -> rank 0
            {0.8f, 0.1f, 0.5f, 0.3f},   // image 1: its text 2 is second -> rank 1
            {0.9f, 0.8f, 0.7f, 0.6f},   // image 2: its text 3 is last -> rank 3
        };
        float[][] t2i = {
            {0.9f, 0.1f, 0.2f},         // text 0 -> image 0 first: rank 0
            {0.1f, 0.2f, 0.9f},         // text 1 -> image 0 last: rank 2
            {0.3f, 0.5f, 0.1f},         // text 2 -> image 1 first: rank 0
            {0.6f, 0.5f, 0.4f},         // text 3 -> image 2 last: rank 2
        };
        Map<String, Double> r = ItmEval.evaluate(i2t, t2i, txt2img, img2txt);
        assertEquals(100.0 / 3, r.get("txt_r1"), 1e-12);
        assertEquals(100.0, r.get("txt_r5"));
        assertEquals(50.0, r.get("img_r1"));
        assertEquals(100.0, r.get("img_r5"));
        assertEquals((100.0 / 3 + 100 + 100) / 3, r.get("txt_r_mean"), 1e-12);
        assertEquals((r.get("txt_r_mean") + r.get("img_r_mean")) / 2, r.get("r_mean"), 1e-12);
    }

    @Test
    void tiesFollowNumpysDescendingOrderOfEqualScores() {
        // All -100 except the first: numpy's stable insertion sort (n <= 16) reversed puts equal
        // scores in DECREASING index order, so the ground truth at index 1 lands last.
        float[] row = {5f, -100f, -100f, -100f};
        int[] pos = ItmEval.descendingPositions(row);
        assertEquals(0, pos[0]);
        assertEquals(3, pos[1]);
        assertEquals(1, pos[3]);
    }
}
