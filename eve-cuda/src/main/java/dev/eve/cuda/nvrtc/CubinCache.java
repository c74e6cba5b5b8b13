package dev.eve.cuda.nvrtc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The on-disk cache of compiled kernels: {@code <dir>/<sha256>.cubin}, where the hash covers the source,
 * every header it includes, the compiler options, the target architecture and the compiler version, so
 * a change to any of them compiles afresh. Writes go to a temporary file in the same folder, are
 * forced to disk and renamed atomically, so a crash or a concurrent writer never leaves a torn file.
 */
public final class CubinCache {

    private final Path dir;

    public CubinCache(Path dir) {
        this.dir = dir;
    }

    /** {@code ${eve.cache.dir | EVE_CACHE_DIR | ~/.cache/eve}/cuda}. */
    public static Path defaultDirectory() {
        String p = System.getProperty("eve.cache.dir");
        if (p == null || p.isBlank()) p = System.getenv("EVE_CACHE_DIR");
        Path root = p == null || p.isBlank() ? Path.of(System.getProperty("user.home"), ".cache", "eve") : Path.of(p);
        return root.resolve("cuda");
    }

    public Path directory() {
        return dir;
    }

    /**
     * The cache key: sha256 (hex) of the file name, source, headers (sorted by name), options, the
     * architecture ({@code sm_90}) and the compiler version, each length-prefixed so no two inputs collide.
     */
    public static String key(String fileName, String source, Map<String, String> headers, List<String> options,
                             String arch, String compilerVersion) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            update(md, "eve-cubin-v1");
            update(md, fileName);
            update(md, source);
            for (Map.Entry<String, String> h : new TreeMap<>(headers).entrySet()) {
                update(md, h.getKey());
                update(md, h.getValue());
            }
            update(md, String.valueOf(options.size()));
            for (String o : options) update(md, o);
            update(md, arch);
            update(md, compilerVersion);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void update(MessageDigest md, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update((byte) (b.length >>> 24));
        md.update((byte) (b.length >>> 16));
        md.update((byte) (b.length >>> 8));
        md.update((byte) b.length);
        md.update(b);
    }

    public Path path(String key) {
        return dir.resolve(key + ".cubin");
    }

    /** The cached cubin, or null when absent or not an ELF file (a damaged entry is ignored). */
    public byte[] read(String key) {
        Path p = path(key);
        try {
            if (!Files.isRegularFile(p)) return null;
            byte[] b = Files.readAllBytes(p);
            return isElf(b) ? b : null;
        } catch (IOException e) {
            return null;
        }
    }

    static boolean isElf(byte[] b) {
        return b.length > 4 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F';
    }

    /** Stores {@code cubin} under {@code key} atomically (temp file, fsync, rename). */
    public void write(String key, byte[] cubin) {
        Path target = path(key);
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, key + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(cubin);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the kernel cache entry " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }
}
