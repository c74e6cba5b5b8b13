package dev.eve.cuda.nvrtc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The disk cache's key and its atomic writes (pure Java). */
class CubinCacheTest {

    private static final Map<String, String> H = Map.of("common.cuh", "#pragma once\n");
    private static final List<String> O = List.of("-std=c++17", "--gpu-architecture=sm_90");

    @Test
    void keyIsStableAndCoversEveryInput() {
        String k = CubinCache.key("a.cu", "src", H, O, "sm_90", "nvrtc-13.0");
        assertEquals(64, k.length());
        assertTrue(k.matches("[0-9a-f]{64}"));
        assertEquals(k, CubinCache.key("a.cu", "src", Map.copyOf(H), List.copyOf(O), "sm_90", "nvrtc-13.0"));
        assertNotEquals(k, CubinCache.key("a.cu", "src2", H, O, "sm_90", "nvrtc-13.0"));
        assertNotEquals(k, CubinCache.key("a.cu", "src", Map.of("common.cuh", "changed"), O, "sm_90", "nvrtc-13.0"));
        assertNotEquals(k, CubinCache.key("a.cu", "src", H, List.of("-std=c++17"), "sm_90", "nvrtc-13.0"));
        assertNotEquals(k, CubinCache.key("a.cu", "src", H, O, "sm_100", "nvrtc-13.0"));
        assertNotEquals(k, CubinCache.key("a.cu", "src", H, O, "sm_90", "nvrtc-13.1"));
        assertNotEquals(k, CubinCache.key("b.cu", "src", H, O, "sm_90", "nvrtc-13.0"));
        // length prefixes: moving a character between fields changes the key
        assertNotEquals(CubinCache.key("a.cu", "ab", H, O, "sm_90", "v"), CubinCache.key("a.cua", "b", H, O, "sm_90", "v"));
    }

    private static byte[] elf(int n, byte fill) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, fill);
        b[0] = 0x7f;
        b[1] = 'E';
        b[2] = 'L';
        b[3] = 'F';
        return b;
    }

    @Test
    void writeThenReadLeavesNoTemporaryFiles(@TempDir Path dir) throws Exception {
        CubinCache c = new CubinCache(dir.resolve("cuda"));
        String key = CubinCache.key("x.cu", "s", Map.of(), O, "sm_90", "v");
        assertNull(c.read(key));
        byte[] data = elf(10_000, (byte) 3);
        c.write(key, data);
        assertArrayEquals(data, c.read(key));
        assertEquals(c.directory().resolve(key + ".cubin"), c.path(key));
        try (Stream<Path> files = Files.list(c.directory())) {
            assertEquals(List.of(key + ".cubin"), files.map(p -> p.getFileName().toString()).toList());
        }
        byte[] data2 = elf(20, (byte) 4);
        c.write(key, data2); // replaces
        assertArrayEquals(data2, c.read(key));
    }

    @Test
    void damagedEntriesAreIgnored(@TempDir Path dir) throws Exception {
        CubinCache c = new CubinCache(dir);
        Files.write(c.path("k"), new byte[] {1, 2, 3, 4, 5});
        assertNull(c.read("k"));
        Files.write(c.path("e"), new byte[0]);
        assertNull(c.read("e"));
    }

    @Test
    void concurrentWritersNeverExposeATornFile(@TempDir Path dir) throws Exception {
        CubinCache c = new CubinCache(dir);
        byte[] a = elf(1 << 20, (byte) 1), b = elf(1 << 20, (byte) 2);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte[] d = i % 2 == 0 ? a : b;
                fs.add(pool.submit(() -> c.write("same", d)));
                fs.add(pool.submit(() -> {
                    byte[] r = c.read("same");
                    if (r != null) assertTrue(java.util.Arrays.equals(r, a) || java.util.Arrays.equals(r, b), "torn read");
                }));
            }
            for (Future<?> f : fs) f.get();
        } finally {
            pool.shutdown();
        }
        byte[] r = c.read("same");
        assertTrue(java.util.Arrays.equals(r, a) || java.util.Arrays.equals(r, b));
    }

    @Test
    void defaultDirectoryHonoursTheProperty(@TempDir Path dir) {
        String old = System.getProperty("eve.cache.dir");
        try {
            System.setProperty("eve.cache.dir", dir.toString());
            assertEquals(dir.resolve("cuda"), CubinCache.defaultDirectory());
        } finally {
            if (old == null) System.clearProperty("eve.cache.dir");
            else System.setProperty("eve.cache.dir", old);
        }
        if (System.getenv("EVE_CACHE_DIR") == null)
            assertEquals(Path.of(System.getProperty("user.home"), ".cache", "eve", "cuda"), CubinCache.defaultDirectory());
    }
}
