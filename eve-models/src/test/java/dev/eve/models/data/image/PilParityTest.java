package dev.eve.models.data.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eve.core.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * EVE's test transform against Pillow 9.4 + torch on the reference photographs: decode, resize to
 * 384 x 384 bicubic, ToTensor + Normalize(0.5, 0.5). Every byte and every float bit is checked.
 */
class PilParityTest {

    static List<String> names() {
        return ImageFixtures.NAMES;
    }

    @ParameterizedTest
    @MethodSource("names")
    void pngPathMatchesPillowExactly(String name) {
        JsonNode ref = ImageFixtures.expected().get("images").get(name);
        int res = ImageFixtures.expected().get("res").asInt();
        RgbImage decoded = ImageFixtures.decode(name + ".png");
        assertEquals(ref.get("size_wh").get(0).asInt(), decoded.width());
        assertEquals(ref.get("size_wh").get(1).asInt(), decoded.height());
        assertEquals(ref.get("png.decoded_sum").asLong(), decoded.byteSum(), "decoded PNG byte sum");

        RgbImage resized = PilResize.resize(decoded, res, res, ResampleFilter.BICUBIC);
        RgbImage expected = ImageFixtures.decode("expected/" + name + ".png_resized.png");
        assertEquals(ref.get("png.resized_u8.sha256").asText(), ImageFixtures.sha256(expected.pixels()),
                "the expected PNG holds png.resized_u8");
        ImageFixtures.Diff d = ImageFixtures.diff(resized, expected);
        assertEquals(0, d.count(), name + ": " + d.count() + " of " + resized.pixels().length
                + " bytes differ from Pillow (max " + d.max() + ")");
        assertEquals(ref.get("png.resized_u8.sha256").asText(), ImageFixtures.sha256(resized.pixels()));

        Tensor t = ImageTensors.toTensor(resized);
        assertArrayEquals(new int[] {3, res, res}, t.shape());
        assertEquals(ref.get("png.tensor.sha256").asText(), ImageFixtures.sha256(t.toFloatArray()),
                "png.tensor bit for bit");
    }

    @ParameterizedTest
    @MethodSource("names")
    void jpegPathWithinOneGreyLevelOfPillow(String name) {
        JsonNode ref = ImageFixtures.expected().get("images").get(name);
        int res = ImageFixtures.expected().get("res").asInt();
        RgbImage decoded = ImageFixtures.decode(name + ".jpg");
        long sum = decoded.byteSum(), refSum = ref.get("jpg.decoded_sum").asLong();
        RgbImage resized = PilResize.resize(decoded, res, res, ResampleFilter.BICUBIC);
        RgbImage expected = ImageFixtures.decode("expected/" + name + ".jpg_resized.png");
        assertEquals(ref.get("jpg.resized_u8.sha256").asText(), ImageFixtures.sha256(expected.pixels()));
        ImageFixtures.Diff d = ImageFixtures.diff(resized, expected);
        System.out.printf("%s.jpg: decoded sum %d (Pillow %d), resized: %d of %d bytes differ, max %d%n",
                name, sum, refSum, d.count(), resized.pixels().length, d.max());
        assertTrue(d.max() <= 1, name + ".jpg: max difference " + d.max() + " > 1 (decoded sum " + sum
                + " vs Pillow's " + refSum + ")");
    }

    @Test
    void batchStacksTheImageTensors() {
        int res = 384;
        List<RgbImage> images = new ArrayList<>();
        for (String name : ImageFixtures.NAMES)
            images.add(PilResize.resize(ImageFixtures.decode(name + ".png"), res, res, ResampleFilter.BICUBIC));
        Tensor batch = ImageTensors.batch(images);
        assertArrayEquals(new int[] {4, 3, res, res}, batch.shape());
        for (int b = 0; b < images.size(); b++) {
            String sha = ImageFixtures.expected().get("images").get(ImageFixtures.NAMES.get(b)).get("png.tensor.sha256").asText();
            assertEquals(sha, ImageFixtures.sha256(batch.select(0, b).contiguous().toFloatArray()), "batch row " + b);
        }
    }

    static List<Path> resizeGoldens() throws Exception {
        try (var files = Files.list(ImageFixtures.ROOT.resolve("resize"))) {
            return files.filter(p -> p.getFileName().toString().matches("(bicubic|bilinear)_\\d+x\\d+\\.png"))
                    .sorted().toList();
        }
    }

    /** Pillow's resize of a small noisy image to sizes up and down, both filters. */
    @ParameterizedTest
    @MethodSource("resizeGoldens")
    void smallResizesMatchPillow(Path golden) {
        String[] parts = golden.getFileName().toString().replace(".png", "").split("[_x]");
        ResampleFilter filter = ResampleFilter.valueOf(parts[0].toUpperCase(java.util.Locale.ROOT));
        RgbImage src = ImageFixtures.decode("resize/src.png");
        RgbImage out = PilResize.resize(src, Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), filter);
        ImageFixtures.Diff d = ImageFixtures.diff(out, ImageDecoder.standard().decode(golden));
        assertEquals(0, d.count(), golden.getFileName() + ": max diff " + d.max());
    }

    /** torchvision's resized_crop on a PIL image: crop, then resize (pixels outside the crop unused). */
    @Test
    void cropThenResizeMatchesPillow() {
        RgbImage src = ImageFixtures.decode("resize/src.png");
        RgbImage out = PilResize.resize(src.crop(5, 3, 40, 31), 24, 24, ResampleFilter.BICUBIC);
        assertEquals(0, ImageFixtures.diff(out, ImageFixtures.decode("resize/crop_5_3_40x31_to_24.png")).count());
    }
}
