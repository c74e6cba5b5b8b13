package dev.eve.models.util;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.core.testing.Fixtures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** np.argsort of numpy 1.24.2 on rows full of ties (tools/fixtures/gen_argsort.py). */
class NumpyArgsortTest {

    @Test
    void matchesNumpyIncludingTheOrderOfTies() throws Exception {
        JsonNode root = new ObjectMapper().readTree(Fixtures.path("fixtures/numpy/argsort.json").toFile());
        assertEquals("1.24.2", root.get("numpy").asText());
        int n = 0;
        for (JsonNode c : root.get("cases")) {
            JsonNode xs = c.get("x"), expected = c.get("argsort");
            float[] x = new float[xs.size()];
            int[] e = new int[expected.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) xs.get(i).asDouble();
                e[i] = expected.get(i).asInt();
            }
            assertArrayEquals(e, NumpyArgsort.argsort(x), "case " + n + " of length " + x.length);
            n++;
        }
        assertEquals(135, n);
    }
}
