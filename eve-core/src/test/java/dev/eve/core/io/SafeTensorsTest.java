package dev.eve.core.io;

import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.core.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {

    @Test
    void roundTripKeepsNamesOrderTypesAndValues(@TempDir Path dir) throws IOException {
        Generator gen = new Generator(2);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("z.weight", Tensor.randn(gen, 3, 4));
        sd.put("a.ids", Tensor.of(new long[] {1, -2, 3}));
        sd.put("m.count", Tensor.of(new int[] {7, 8}, 1, 2).to(DType.I32));
        sd.put("m.flags", Tensor.of(new boolean[] {true, false}));
        sd.put("scalar", Tensor.scalar(0.07));
        sd.put("empty", Tensor.zeros(0, 3));
        sd.put("transposed", Tensor.randn(gen, 2, 5).t());
        Path file = dir.resolve("model.safetensors");
        SafeTensors.save(file, sd, Map.of("format", "pt"));
        try (SafeTensors f = SafeTensors.open(file)) {
            assertEquals(List.copyOf(sd.keySet()), f.names());
            assertEquals("pt", f.metadata().get("format"));
        }
        Map<String, Tensor> back = SafeTensors.load(file);
        for (var e : sd.entrySet()) {
            Tensor b = back.get(e.getKey());
            assertEquals(e.getValue().dtype(), b.dtype(), e.getKey());
            assertArrayEquals(e.getValue().shape(), b.shape(), e.getKey());
            if (b.dtype() == DType.F32) assertArrayEquals(e.getValue().toFloatArray(), b.toFloatArray(), e.getKey());
            else assertArrayEquals(e.getValue().toLongArray(), b.toLongArray(), e.getKey());
        }
        try (var listing = Files.list(dir)) {
            assertEquals(1, listing.count(), "no temporary files left behind");
        }
    }

    @Test
    void readsTheEveCheckpointFixture() {
        Map<String, Tensor> sd = Fixtures.load("fixtures/ops/linear.safetensors");
        assertArrayEquals(new int[] {40, 24}, sd.get("weight").shape());
    }

    @Test
    void halfPrecisionIsWidenedToF32(@TempDir Path dir) throws IOException {
        // A BF16 and an F16 tensor holding 1.5 and -2.0.
        String header = "{\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[4,8]}}";
        ByteBuffer data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort((short) (Float.floatToIntBits(1.5f) >>> 16)).putShort((short) (Float.floatToIntBits(-2f) >>> 16));
        data.putShort(Float.floatToFloat16(1.5f)).putShort(Float.floatToFloat16(-2f));
        Path file = write(dir, header, data.array());
        Map<String, Tensor> t = SafeTensors.load(file);
        assertArrayEquals(new float[] {1.5f, -2f}, t.get("b").toFloatArray());
        assertArrayEquals(new float[] {1.5f, -2f}, t.get("h").toFloatArray());
        assertEquals(DType.F32, t.get("h").dtype());
    }

    private static Path write(Path dir, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path file = dir.resolve("t.safetensors");
        Files.write(file, b.array());
        return file;
    }

    private static String error(Path dir, String header, byte[] data) throws IOException {
        Path f = write(dir, header, data);
        var e = assertThrows(CheckpointException.class, () -> SafeTensors.load(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void malformedFilesGiveOneLineErrorsNamingTheProblem(@TempDir Path dir) throws IOException {
        assertTrue(error(dir, "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[8])
                .contains("outside"));
        assertTrue(error(dir, "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", new byte[16])
                .contains("'w'"));
        assertTrue(error(dir, "{\"w\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4])
                .contains("unsupported dtype Q4"));
        assertTrue(error(dir, "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4])
                .contains("invalid shape"));
        assertTrue(error(dir, "{\"w\": [1,2", new byte[0]).contains("not valid JSON"));
        assertTrue(error(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]).contains("overlap"));
        assertTrue(error(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]).contains("JSON"));
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertThrows(CheckpointException.class, () -> SafeTensors.load(tiny));
        ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE);
        Path lying = dir.resolve("lying.safetensors");
        Files.write(lying, huge.array());
        assertTrue(assertThrows(CheckpointException.class, () -> SafeTensors.load(lying)).getMessage().contains("header length"));
        assertThrows(CheckpointException.class, () -> SafeTensors.load(dir.resolve("missing.safetensors")));
    }

    @Test
    void aFailedWriteLeavesTheOldFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("keep.safetensors");
        SafeTensors.save(file, Map.of("w", Tensor.ones(2)));
        byte[] before = Files.readAllBytes(file);
        Map<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("w", Tensor.ones(2));
        bad.put("__metadata__", Tensor.ones(1));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(file, bad));
        assertArrayEquals(before, Files.readAllBytes(file));
        AtomicFiles.write(dir.resolve("x.bin"), out -> out.write(new byte[] {1}));
        assertThrows(java.io.UncheckedIOException.class, () -> AtomicFiles.write(file, out -> {
            out.write(new byte[] {9, 9});
            throw new IOException("disk full");
        }));
        assertArrayEquals(before, Files.readAllBytes(file));
        try (var listing = Files.list(dir)) {
            assertEquals(2, listing.count(), "no temporary files left behind");
        }
    }
}
