package dev.eve.models.data.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** The image fixtures copied into the test resources (see fixtures/image/README.md). */
final class ImageFixtures {

    static final Path ROOT = Path.of("src/test/resources/fixtures/image");
    static final List<String> NAMES = List.of("astronaut", "chelsea", "coffee", "camera");

    private ImageFixtures() {}

    static JsonNode expected() {
        return json(ROOT.resolve("expected.json"));
    }

    static JsonNode json(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RgbImage decode(String relative) {
        return ImageDecoder.standard().decode(ROOT.resolve(relative));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String sha256(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return sha256(b.array());
    }

    /** Number of bytes that differ, and the largest difference. */
    record Diff(int count, int max) {}

    static Diff diff(RgbImage a, RgbImage b) {
        if (a.width() != b.width() || a.height() != b.height())
            throw new AssertionError("sizes differ: " + a + " vs " + b);
        int n = 0, max = 0;
        byte[] x = a.pixels(), y = b.pixels();
        for (int i = 0; i < x.length; i++) {
            int d = Math.abs((x[i] & 0xFF) - (y[i] & 0xFF));
            if (d > 0) n++;
            max = Math.max(max, d);
        }
        return new Diff(n, max);
    }

    /** A w x h image whose pixels are given by {@code f(x, y, c)}. */
    static RgbImage image(int w, int h, PixelFunction f) {
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++) px[(y * w + x) * 3 + c] = (byte) f.at(x, y, c);
        return new RgbImage(w, h, px);
    }

    @FunctionalInterface
    interface PixelFunction {
        int at(int x, int y, int c);
    }
}
