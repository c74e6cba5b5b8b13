package dev.eve.core.backend;

/**
 * A {@link java.util.ServiceLoader} service: each backend module ships one, so adding its jar to the
 * class path is all a user does to make its devices available.
 */
public interface BackendProvider {

    /** The device type this provider serves, e.g. {@code cpu} or {@code cuda}. */
    String deviceType();

    /** The backend for the given device index; throws a clear error if it is unavailable. */
    Backend backend(int index);

    /** Whether at least one device of this type is usable on this machine. */
    boolean isAvailable();

    /** Number of usable devices of this type. */
    int deviceCount();
}
