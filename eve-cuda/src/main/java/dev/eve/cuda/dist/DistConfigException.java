package dev.eve.cuda.dist;

/** The distributed set-up is wrong (environment, rendezvous): a one-line message naming what and where. */
public class DistConfigException extends RuntimeException {

    public DistConfigException(String message) {
        super(message);
    }

    public DistConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
