package dev.eve.core.io;

/**
 * A tensor file that cannot be read or written: malformed, truncated, of an unsupported kind, or
 * refused for safety. The message is one line naming the file and the culprit (key, entry, global).
 */
public class CheckpointException extends RuntimeException {

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
