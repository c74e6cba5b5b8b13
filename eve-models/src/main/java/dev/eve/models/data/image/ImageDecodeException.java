package dev.eve.models.data.image;

import java.nio.file.Path;

/**
 * An image file that cannot be turned into pixels: missing, unreadable, empty, truncated, corrupt,
 * of an unsupported format, or larger than the decoder's pixel limit. The message is one line that
 * names the file and the reason, ready to log; {@link #reason()} is the reason alone, for counting.
 */
public final class ImageDecodeException extends RuntimeException {

    private final transient Path file;
    private final String reason;

    public ImageDecodeException(Path file, String reason, Throwable cause) {
        super("cannot decode image " + file + ": " + oneLine(reason), cause);
        this.file = file;
        this.reason = oneLine(reason);
    }

    public ImageDecodeException(Path file, String reason) {
        this(file, reason, null);
    }

    /** The file that failed. */
    public Path file() {
        return file;
    }

    /** Why, in one line, without the file name. */
    public String reason() {
        return reason;
    }

    static String oneLine(String s) {
        if (s == null || s.isBlank()) return "unknown error";
        return s.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
