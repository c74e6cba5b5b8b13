package dev.eve.cuda.runtime;

import org.bytedeco.javacpp.Pointer;

/**
 * A JavaCPP {@link Pointer} at a raw address (device or host), without a deallocator: the way raw
 * {@code long} addresses are handed to the presets' {@code void*} parameters.
 */
public final class DevicePtr extends Pointer {

    public DevicePtr(long address) {
        this.address = address;
    }

    public static DevicePtr of(long address) {
        return new DevicePtr(address);
    }
}
