package dev.eve.core.backend;

import dev.eve.core.backend.cpu.CpuBackend;
import dev.eve.core.tensor.Device;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/** Finds the backend of a device through {@link ServiceLoader}. */
public final class Backends {

    private static final Map<String, BackendProvider> PROVIDERS = new ConcurrentHashMap<>();
    private static final Map<Device, Backend> CACHE = new ConcurrentHashMap<>();

    static {
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()))
            PROVIDERS.putIfAbsent(p.deviceType(), p);
    }

    private Backends() {}

    /** The backend that owns {@code device}. */
    public static Backend of(Device device) {
        if (device.isCpu()) return CpuBackend.INSTANCE;
        return CACHE.computeIfAbsent(device, d -> {
            BackendProvider p = PROVIDERS.get(d.type());
            if (p == null)
                throw new IllegalStateException("no backend for device " + d + ": add the eve-" + d.type()
                        + " module to the class path (found backends: " + deviceTypes() + ")");
            return p.backend(d.index());
        });
    }

    /** The device types whose providers are on the class path. */
    public static List<String> deviceTypes() {
        List<String> types = new ArrayList<>(PROVIDERS.keySet());
        if (!types.contains("cpu")) types.add(0, "cpu");
        return types;
    }

    /** True when a device of this type can be used here. */
    public static boolean isAvailable(String deviceType) {
        if (deviceType.equals("cpu")) return true;
        BackendProvider p = PROVIDERS.get(deviceType);
        return p != null && p.isAvailable();
    }

    /** Number of usable devices of the type (1 for cpu). */
    public static int deviceCount(String deviceType) {
        if (deviceType.equals("cpu")) return 1;
        BackendProvider p = PROVIDERS.get(deviceType);
        return p == null ? 0 : p.deviceCount();
    }
}
