package dev.eve.models.data;

/** An annotation file that cannot be used; the message is one line naming the file, the entry and the key. */
public class DataFormatException extends IllegalArgumentException {

    public DataFormatException(String message) {
        super(message);
    }

    public DataFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
