package dev.eve.core.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes files so that a crash leaves either the old file or the complete new one, never a torn
 * one: the bytes go to a temporary file in the same folder, which is flushed to disk (fsync) and
 * then renamed over the target; the folder is synced so the rename itself is durable.
 */
public final class AtomicFiles {

    /** Writes the content of a file to a stream. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private AtomicFiles() {}

    public static void write(Path target, Writer writer) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        String phase = "";
        try {
            if (!Files.isDirectory(dir)) {
                phase = "cannot create the folder " + dir + ": ";
                Files.createDirectories(dir);
                // The new folder's own entry must be durable too, not only the file inside it.
                if (dir.getParent() != null) syncDirectory(dir.getParent());
            }
            phase = "cannot create a file in " + dir + ": ";
            tmp = Files.createTempFile(dir, tempPrefix(target), ".tmp");
            phase = "";
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20);
                writer.write(out);
                out.flush();
                ch.force(true);
            }
            keepPermissions(tmp, target);
            phase = "cannot replace it: ";
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
            syncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + phase + reason(e), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // The original error matters more than a leftover temporary file.
                }
            }
        }
    }

    /** What went wrong, in words: the JDK's file-system exceptions often carry only the path. */
    static String reason(IOException e) {
        if (e instanceof java.nio.file.FileSystemException f) {
            String file = f.getFile() == null ? "" : f.getFile();
            if (f.getReason() != null && !f.getReason().isBlank()) return f.getReason() + (file.isEmpty() ? "" : " (" + file + ")");
            if (e instanceof java.nio.file.NoSuchFileException) return "no such file or directory (" + file + ")";
            if (e instanceof java.nio.file.AccessDeniedException) return "permission denied (" + file + ")";
            if (e instanceof java.nio.file.FileAlreadyExistsException) return file + " exists and is not a directory";
            if (e instanceof java.nio.file.NotDirectoryException) return "not a directory (" + file + ")";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    private static String tempPrefix(Path target) {
        return "." + target.getFileName() + ".";
    }

    /** True when {@code file} is a temporary file of a {@link #write} to {@code target}. */
    public static boolean isTemporaryOf(Path file, Path target) {
        String n = file.getFileName().toString();
        String prefix = tempPrefix(target);
        return n.startsWith(prefix) && n.endsWith(".tmp") && n.length() > prefix.length() + 4;
    }

    /**
     * Deletes the temporary files that writes to {@code target} left behind when their process was
     * killed (a killed write leaves {@code target} as it was, plus such a file). Call it only when no
     * other process is writing {@code target}. Returns how many were removed.
     */
    public static int removeStaleTemporaries(Path target) {
        Path dir = target.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) return 0;
        int removed = 0;
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (isTemporaryOf(p, target) && Files.isRegularFile(p) && Files.deleteIfExists(p)) removed++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean up temporary files of " + target + ": " + e.getMessage(), e);
        }
        return removed;
    }

    /** Writes a byte array atomically. */
    public static void write(Path target, byte[] content) {
        write(target, out -> out.write(content));
    }

    /**
     * Temporary files are created private (0600); the result gets the permissions of the file it
     * replaces, or rw-r--r-- like any other file written by the user.
     */
    private static void keepPermissions(Path tmp, Path target) {
        try {
            java.util.Set<java.nio.file.attribute.PosixFilePermission> perms = Files.exists(target)
                    ? Files.getPosixFilePermissions(target)
                    : java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");
            Files.setPosixFilePermissions(tmp, perms);
        } catch (UnsupportedOperationException | IOException ignored) {
            // Not a POSIX file system: its defaults apply.
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Some file systems cannot open or sync directories; the rename is still atomic there.
        }
    }
}
