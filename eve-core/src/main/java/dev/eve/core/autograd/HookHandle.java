package dev.eve.core.autograd;

/** What registering a hook returns: removing it through the handle stops further calls. */
@FunctionalInterface
public interface HookHandle extends AutoCloseable {

    void remove();

    /** Same as {@link #remove()}, for try-with-resources. */
    @Override
    default void close() {
        remove();
    }
}
