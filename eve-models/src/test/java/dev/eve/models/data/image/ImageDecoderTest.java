package dev.eve.models.data.image;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Odd but valid images decode like Pillow's convert('RGB'); bad files fail with one clear line. */
class ImageDecoderTest {

    private static final Path ODD = ImageFixtures.ROOT.resolve("odd");

    /** Each generated image against Pillow's {@code Image.open(f).convert('RGB')} (odd/expected). */
    @ParameterizedTest
    @ValueSource(strings = {"gray.png", "gray16.png", "rgba.png", "la.png", "palette.png", "palette_trns.png",
            "bilevel.png", "rgb16.png", "cmyk.jpg", "ycck.jpg", "icc_lab.jpg", "gray.jpg", "progressive.jpg",
            "subsample444.jpg", "exif_rotated.jpg"})
    void decodesLikePillowConvertRgb(String file) {
        JsonNode cases = ImageFixtures.json(ODD.resolve("cases.json"));
        RgbImage image = ImageDecoder.standard().decode(ODD.resolve(file));
        // EXIF orientation is not applied (exif_rotated.jpg stays 37 x 23, not 23 x 37).
        assertEquals(cases.get(file).get("size_wh").get(0).asInt(), image.width(), file);
        assertEquals(cases.get(file).get("size_wh").get(1).asInt(), image.height(), file);
        RgbImage pil = ImageDecoder.standard().decode(ODD.resolve("expected").resolve(file + ".png"));
        ImageFixtures.Diff d = ImageFixtures.diff(image, pil);
        if (file.endsWith(".png")) assertEquals(0, d.count(), file + " (Pillow mode " + cases.get(file).get("pil_mode").asText() + ")");
        else assertTrue(d.max() <= 1, file + ": max difference " + d.max() + " from Pillow's decoder");
    }

    @Test
    void grayIsReplicatedAndAlphaDropped() {
        RgbImage gray = ImageDecoder.standard().decode(ODD.resolve("gray.png"));
        for (int i = 0; i < gray.pixels().length; i += 3) {
            assertEquals(gray.pixels()[i], gray.pixels()[i + 1]);
            assertEquals(gray.pixels()[i], gray.pixels()[i + 2]);
        }
        // rgba.png's RGB is the pattern; its alpha (= R) must not have been composited onto anything.
        RgbImage rgba = ImageDecoder.standard().decode(ODD.resolve("rgba.png"));
        RgbImage pil = ImageDecoder.standard().decode(ODD.resolve("expected/rgba.png.png"));
        assertEquals(0, ImageFixtures.diff(rgba, pil).count());
    }

    /** What the decoder reads from the markers to follow libjpeg and Pillow. */
    @Test
    void jpegHeaders() throws Exception {
        JpegHeader ycck = JpegHeader.parse(Files.readAllBytes(ODD.resolve("ycck.jpg")));
        assertEquals(new JpegHeader(4, 2, false), ycck);
        assertTrue(ycck.isYcck());
        JpegHeader cmyk = JpegHeader.parse(Files.readAllBytes(ODD.resolve("cmyk.jpg")));
        assertEquals(4, cmyk.components());
        assertFalse(cmyk.isYcck()); // Adobe transform 0
        assertEquals(new JpegHeader(1, JpegHeader.NO_ADOBE, false), JpegHeader.parse(Files.readAllBytes(ODD.resolve("gray.jpg"))));
        byte[] icc = Files.readAllBytes(ODD.resolve("icc_lab.jpg"));
        assertEquals(new JpegHeader(3, JpegHeader.NO_ADOBE, true), JpegHeader.parse(icc));
        byte[] stripped = JpegHeader.withoutIccProfile(icc);
        assertFalse(JpegHeader.parse(stripped).hasIccProfile());
        // Renamed in place: same length, and only the identifier's bytes differ.
        assertEquals(icc.length, stripped.length);
        int differing = 0;
        for (int i = 0; i < icc.length; i++) if (icc[i] != stripped[i]) differing++;
        assertTrue(differing > 0 && differing <= 7 * 4, "bytes changed: " + differing);
        byte[] plain = Files.readAllBytes(ODD.resolve("gray.jpg"));
        assertTrue(plain == JpegHeader.withoutIccProfile(plain), "a file without a profile is returned as it is");

        // Garbage before a marker (libjpeg skips it with a warning): the header scan still finds the
        // profile behind it.
        byte[] garbled = new byte[icc.length + 3];
        System.arraycopy(icc, 0, garbled, 0, 2);
        garbled[2] = 0x2f;
        garbled[3] = 0x2f;
        garbled[4] = 0x00;
        System.arraycopy(icc, 2, garbled, 5, icc.length - 2);
        assertTrue(JpegHeader.parse(garbled).hasIccProfile());
        assertFalse(JpegHeader.parse(JpegHeader.withoutIccProfile(garbled)).hasIccProfile());
    }

    @Test
    void aJpegStartWithoutAMarkerIsNoImageAsForPillow() {
        byte[] d = {(byte) 0xFF, (byte) 0xD8, 0x00, (byte) 0xFF, (byte) 0xE2, 0x00, 0x10, 'I', 'C', 'C', '_'};
        ImageDecodeException e = assertThrows(ImageDecodeException.class,
                () -> ImageDecoder.standard().decode(d, java.nio.file.Path.of("odd.jpg")));
        assertTrue(e.getMessage().contains("odd.jpg") && e.getMessage().contains("not a recognised image format"), e.getMessage());
    }

    @Test
    void truncatedJpegFails() {
        ImageDecodeException e = fails(ODD.resolve("truncated.jpg"));
        assertTrue(e.reason().contains("truncated"), e.getMessage());
    }

    @Test
    void truncatedPngFails() {
        ImageDecodeException e = fails(ODD.resolve("truncated.png"));
        assertTrue(e.reason().contains("truncated"), e.getMessage());
    }

    @Test
    void emptyFileFails() {
        assertTrue(fails(ODD.resolve("empty.jpg")).reason().contains("empty"));
    }

    @Test
    void textFileNamedJpgFails() {
        assertTrue(fails(ODD.resolve("text.jpg")).reason().contains("not a recognised image format"));
    }

    @Test
    void missingFileFails() {
        assertEquals("no such file", fails(ODD.resolve("does-not-exist.jpg")).reason());
    }

    @Test
    void directoryFails() {
        fails(ODD);
    }

    @Test
    void garbageAfterAValidHeaderFails(@TempDir Path dir) throws Exception {
        byte[] good = Files.readAllBytes(ODD.resolve("subsample444.jpg"));
        for (int i = 200; i < good.length - 2; i++) good[i] = (byte) (i * 31);
        Path f = dir.resolve("garbage.jpg");
        Files.write(f, good);
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.standard().decode(f));
        assertOneLine(e, f);
    }

    /** bomb.jpg's header claims 20000 x 20000; the pixels behind it are garbage and never read. */
    @Test
    void decompressionBombRefusedFromTheHeader() {
        ImageDecodeException e = fails(ODD.resolve("bomb.jpg"));
        assertTrue(e.reason().contains("20000 x 20000 = 400000000 pixels exceeds the limit of 178956970"), e.reason());
        assertTrue(e.reason().contains("decompression bomb"), e.reason());
    }

    @Test
    void pixelLimitIsConfigurable() {
        ImageDecoder small = new ImageDecoder(37 * 23 - 1);
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> small.decode(ODD.resolve("gray.png")));
        assertTrue(e.reason().contains("851 pixels exceeds the limit of 850"), e.reason());
        assertEquals(37, new ImageDecoder(37 * 23).decode(ODD.resolve("gray.png")).width());
        assertThrows(IllegalArgumentException.class, () -> new ImageDecoder(0));
    }

    @Test
    void decodesFromMemory() throws Exception {
        byte[] bytes = Files.readAllBytes(ImageFixtures.ROOT.resolve("chelsea.jpg"));
        RgbImage image = ImageDecoder.standard().decode(bytes, Path.of("chelsea.jpg"));
        assertEquals(ImageFixtures.expected().get("images").get("chelsea").get("jpg.decoded_sum").asLong(), image.byteSum());
    }

    private static ImageDecodeException fails(Path file) {
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.standard().decode(file));
        assertOneLine(e, file);
        return e;
    }

    private static void assertOneLine(ImageDecodeException e, Path file) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith("cannot decode image " + file + ": "), e.getMessage());
        assertEquals(file, e.file());
        assertFalse(e.reason().isBlank());
    }
}
