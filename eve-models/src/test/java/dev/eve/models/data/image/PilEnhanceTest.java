package dev.eve.models.data.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** ColorJitter's pieces against Pillow 9.4's ImageEnhance on a small noisy image (fixtures/image/enhance). */
class PilEnhanceTest {

    private static final RgbImage SRC = ImageFixtures.decode("enhance/src.png");

    @ParameterizedTest
    @ValueSource(strings = {"0.6", "0.75", "0.9", "1.0", "1.1", "1.3", "1.4"})
    void brightnessContrastSaturationMatchPillow(String factor) {
        double f = Double.parseDouble(factor);
        check("brightness_" + factor, PilEnhance.brightness(SRC, f));
        check("contrast_" + factor, PilEnhance.contrast(SRC, f));
        check("saturation_" + factor, PilEnhance.saturation(SRC, f));
    }

    @Test
    void lumaMatchesConvertL() {
        RgbImage gray = ImageFixtures.decode("enhance/gray.png"); // Pillow's convert('L'), re-expanded to RGB
        for (int y = 0; y < SRC.height(); y++)
            for (int x = 0; x < SRC.width(); x++)
                assertEquals(gray.get(x, y, 0), PilEnhance.luma(SRC.get(x, y, 0), SRC.get(x, y, 1), SRC.get(x, y, 2)));
        assertEquals(1, PilEnhance.luma(2, 0, 0)); // 0x8000 rounds: 39190 + 32768 >> 16
    }

    @Test
    void equalizeMatchesPillow() {
        check("equalize", AugmentOps.equalize(SRC));
    }

    private static void check(String golden, RgbImage ours) {
        ImageFixtures.Diff d = ImageFixtures.diff(ours, ImageFixtures.decode("enhance/" + golden + ".png"));
        assertEquals(0, d.count(), golden + ": " + d.count() + " bytes differ from Pillow, max " + d.max());
    }
}
