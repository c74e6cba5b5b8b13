package dev.eve.bench.gpu;

import dev.eve.core.backend.Backend;
import dev.eve.core.backend.Backends;
import dev.eve.core.tensor.Device;

/**
 * Waits until the device has finished the work queued so far, with {@link Backend#synchronize()}:
 * the CUDA backend waits for its stream (cudaStreamSynchronize); on the CPU backend, the default,
 * every op has finished when it returns, so there is nothing to wait for.
 */
final class DeviceSync {

    private DeviceSync() {}

    /** Synchronises the device. */
    static void sync(Device device) {
        Backends.of(device).synchronize();
    }

    static String describe(Device device) {
        if (device.isCpu()) return "none needed (the CPU backend is synchronous)";
        return "the " + device.type() + " backend's synchronize() (for CUDA: cudaStreamSynchronize of the EVE stream)";
    }
}
