package dev.eve.models.data.image;

import dev.eve.core.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ImageTensorsTest {

    @Test
    void normalisesLikeTorch() {
        assertEquals(-1.0f, ImageTensors.normalized(0));
        assertEquals(1.0f, ImageTensors.normalized(255));
        for (int v = 0; v < 256; v++) {
            float x = (float) v / 255f;
            assertEquals(Float.floatToIntBits((x - 0.5f) / 0.5f), Float.floatToIntBits(ImageTensors.normalized(v)));
        }
        // (128 / 255 in float32 - 0.5) * 2, not the double value 1/255:
        assertEquals(0.003921628f, ImageTensors.normalized(128));
    }

    @Test
    void layoutIsChw() {
        RgbImage img = ImageFixtures.image(3, 2, (x, y, c) -> c == 0 ? 255 : c == 1 ? 0 : x * 100);
        Tensor t = ImageTensors.toTensor(img);
        assertArrayEquals(new int[] {3, 2, 3}, t.shape());
        assertEquals(1.0f, t.getFloat(0, 1, 2));
        assertEquals(-1.0f, t.getFloat(1, 0, 0));
        assertEquals(ImageTensors.normalized(200), t.getFloat(2, 1, 2));
    }

    @Test
    void batchesImagesOfOneSize() {
        RgbImage a = ImageFixtures.image(4, 4, (x, y, c) -> 0), b = ImageFixtures.image(4, 4, (x, y, c) -> 255);
        Tensor t = ImageTensors.batch(List.of(a, b));
        assertArrayEquals(new int[] {2, 3, 4, 4}, t.shape());
        assertEquals(-1.0f, t.getFloat(0, 2, 3, 3));
        assertEquals(1.0f, t.getFloat(1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> ImageTensors.batch(List.of(a, RgbImage.blank(4, 5))));
        assertThrows(IllegalArgumentException.class, () -> ImageTensors.batch(List.of()));
    }
}
