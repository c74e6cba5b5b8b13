package dev.eve.cuda;

import dev.eve.core.backend.Backend;
import dev.eve.core.backend.BackendProvider;
import dev.eve.cuda.runtime.CudaDevice;
import dev.eve.cuda.runtime.CudaRuntime;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code cuda} devices, found by {@link java.util.ServiceLoader} (META-INF/services). Probing never
 * throws: without a driver or a GPU, {@link #isAvailable()} is false and {@link #deviceCount()} 0, and
 * {@link #backend(int)} throws one line naming what was looked for.
 */
public final class CudaBackendProvider implements BackendProvider {

    private static final Map<Integer, CudaBackend> BACKENDS = new ConcurrentHashMap<>();

    @Override
    public String deviceType() {
        return "cuda";
    }

    @Override
    public Backend backend(int index) {
        return BACKENDS.computeIfAbsent(index, i -> new CudaBackend(CudaDevice.current(i)));
    }

    @Override
    public boolean isAvailable() {
        return CudaRuntime.isAvailable();
    }

    @Override
    public int deviceCount() {
        return CudaRuntime.deviceCount();
    }
}
