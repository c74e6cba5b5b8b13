package dev.eve.models.config;

/** A configuration that cannot be used: the message is one line naming the file and the key. */
public class ConfigException extends IllegalArgumentException {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
