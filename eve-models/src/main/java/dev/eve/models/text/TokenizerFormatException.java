package dev.eve.models.text;

import java.nio.file.Path;

/**
 * A tokenizer file that is broken or uses something this implementation does not support. The message is
 * one line naming the file and the offending component or field, e.g.
 * {@code tokenizer.json: unsupported pre_tokenizer type "UnicodeScripts"}.
 */
public class TokenizerFormatException extends TokenizerException {

    private static final long serialVersionUID = 1L;

    public TokenizerFormatException(String message) {
        super(oneLine(message));
    }

    public TokenizerFormatException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** {@code FILE: what is wrong}. */
    public static TokenizerFormatException of(Path file, String what) {
        return new TokenizerFormatException((file == null ? "tokenizer" : file.toString()) + ": " + what);
    }

    private static String oneLine(String s) {
        return s == null ? "invalid tokenizer" : s.replace('\n', ' ').replace('\r', ' ');
    }
}
