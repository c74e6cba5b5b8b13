package dev.eve.core.dist;

import dev.eve.core.tensor.Device;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/** Finds the {@link ProcessGroupProvider} of a device type through {@link ServiceLoader}. */
public final class ProcessGroups {

    private static final Map<String, ProcessGroupProvider> PROVIDERS = new ConcurrentHashMap<>();

    static {
        for (ProcessGroupProvider p : ServiceLoader.load(ProcessGroupProvider.class, ProcessGroups.class.getClassLoader()))
            PROVIDERS.putIfAbsent(p.deviceType(), p);
    }

    private ProcessGroups() {}

    /** Whether groups for devices of this type can be made. */
    public static boolean isAvailable(String deviceType) {
        return PROVIDERS.containsKey(deviceType);
    }

    /** {@code count} independent groups over replicas on {@code devices} (all of one type); see {@link ProcessGroupProvider#create}. */
    public static List<List<ProcessGroup>> create(List<Device> devices, int count) {
        if (devices.isEmpty()) throw new IllegalArgumentException("no devices to connect");
        String type = devices.get(0).type();
        for (Device d : devices)
            if (!d.type().equals(type))
                throw new IllegalArgumentException("replicas on devices of different types (" + devices + ") cannot share a process group");
        ProcessGroupProvider p = PROVIDERS.get(type);
        if (p == null)
            throw new IllegalStateException("no process groups for " + type + " devices: add the module that provides them (eve-" + type
                    + ") to the class path (found: " + new ArrayList<>(PROVIDERS.keySet()) + ")");
        List<List<ProcessGroup>> groups = p.create(List.copyOf(devices), count);
        if (groups.size() != count)
            throw new IllegalStateException(p.getClass().getName() + " made " + groups.size() + " groups, not " + count);
        return groups;
    }
}
