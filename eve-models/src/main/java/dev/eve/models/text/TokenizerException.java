package dev.eve.models.text;

/**
 * The one error type of the tokenizers: a broken or unsupported tokenizer file, an input the reference
 * implementation also rejects, or an id that is not in the vocabulary. The message is one line.
 */
public class TokenizerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
