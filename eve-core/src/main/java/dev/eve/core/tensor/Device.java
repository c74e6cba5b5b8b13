package dev.eve.core.tensor;

import java.util.Objects;

/** Where a tensor lives: {@code cpu} or {@code cuda:N} (or a device type a {@link dev.eve.core.backend.BackendProvider} adds). */
public record Device(String type, int index) {

    public static final Device CPU = new Device("cpu", 0);

    public Device {
        Objects.requireNonNull(type, "type");
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
    }

    public static Device cuda(int index) {
        return new Device("cuda", index);
    }

    /**
     * Parses {@code cpu}, {@code cuda} or {@code cuda:1}, or {@code TYPE[:N]} for a device type whose
     * {@link dev.eve.core.backend.BackendProvider} is on the class path (a test-only backend, say).
     */
    public static Device parse(String spec) {
        String s = spec.trim().toLowerCase(java.util.Locale.ROOT);
        int colon = s.indexOf(':');
        String type = colon < 0 ? s : s.substring(0, colon);
        int index = 0;
        if (colon >= 0) {
            try {
                index = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad device '" + spec + "': expected cpu, cuda or cuda:N");
            }
        }
        if (!type.equals("cpu") && !type.equals("cuda") && !dev.eve.core.backend.Backends.deviceTypes().contains(type))
            throw new IllegalArgumentException("bad device '" + spec + "': expected cpu, cuda or cuda:N");
        return type.equals("cpu") ? CPU : new Device(type, index);
    }

    public boolean isCpu() {
        return type.equals("cpu");
    }

    @Override
    public String toString() {
        return isCpu() ? "cpu" : type + ":" + index;
    }
}
