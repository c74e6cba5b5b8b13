package dev.eve.models.cli;

import dev.eve.core.tensor.Device;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * The data-parallel replicas' devices that {@code --dist} and {@code --device} ask for. {@code --dist}
 * places several replicas: {@code cpu:N} as threads on the CPU, {@code cuda} / {@code cuda:N} on every /
 * the first N GPUs, one each (NCCL between them); {@code all}, the default, is every GPU when the CUDA
 * backend finds one, else one CPU replica. {@code --device} places a single replica on one device: it
 * takes the place of {@code --dist all} and conflicts with any other {@code --dist}.
 */
final class ReplicaDevices {

    /** What the parse needs to know about this machine (tests pass their own). */
    record Machine(Predicate<String> hasBackend, ToIntFunction<String> deviceCount, int worldSize) {}

    private ReplicaDevices() {}

    /**
     * The devices, replica 0's first. {@code device}: the {@code --device} value, null when not given.
     * Throws IllegalArgumentException with a one-line message for a usage error.
     */
    static List<Device> parse(String dist, String device, Machine machine) {
        String d = dist.trim().toLowerCase(Locale.ROOT);
        List<Device> devices;
        if (d.equals("all")) {
            if (device != null) return checkedForMachines(List.of(Device.parse(device)), machine);
            int gpus = machine.hasBackend().test("cuda") ? machine.deviceCount().applyAsInt("cuda") : 0;
            devices = gpus > 0 ? firstDevices("cuda", gpus) : List.of(Device.CPU);
        } else {
            devices = explicit(dist, d, machine);
            if (device != null && !(devices.get(0).isCpu() && Device.parse(device).isCpu()))
                throw new IllegalArgumentException("--device " + device + " and --dist " + dist + " both place the model: use --dist alone for"
                        + " several replicas, --device alone for one");
        }
        return checkedForMachines(devices, machine);
    }

    private static List<Device> explicit(String dist, String d, Machine machine) {
        int colon = d.indexOf(':');
        String type = colon < 0 ? d : d.substring(0, colon);
        Integer count = null;
        if (colon >= 0) {
            try {
                count = Integer.parseInt(d.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw usage(dist);
            }
        }
        if (d.equals("1")) return List.of(Device.CPU);   // the original's single process
        if (!type.equals("cpu") && !machine.hasBackend().test(type)) {
            if (type.equals("cuda") || type.equals("gpu")) throw new IllegalArgumentException("--dist " + dist + ": no CUDA backend on the class path (add eve-cuda)");
            throw usage(dist);
        }
        if (count != null && count < 1) throw new IllegalArgumentException("--dist " + dist + ": the number of replicas must be >= 1");
        if (type.equals("cpu")) return Collections.nCopies(count == null ? 1 : count, Device.CPU);
        int present = machine.deviceCount().applyAsInt(type);
        String what = type.equals("cuda") ? "GPU" : type + " device";
        if (present < 1) throw new IllegalArgumentException("--dist " + dist + ": no " + what + " found");
        if (count == null) count = present;
        if (count > present)
            throw new IllegalArgumentException("--dist " + dist + " asks for " + count + " " + what + "s but " + present + " "
                    + (present == 1 ? "is" : "are") + " present");
        return firstDevices(type, count);
    }

    private static List<Device> firstDevices(String type, int n) {
        List<Device> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new Device(type, i));
        return out;
    }

    /** A torchrun-style job of several machines needs replicas that NCCL can connect. */
    private static List<Device> checkedForMachines(List<Device> devices, Machine machine) {
        if (machine.worldSize() > 1 && devices.get(0).isCpu())
            throw new IllegalArgumentException("WORLD_SIZE=" + machine.worldSize() + " (a job of several machines) needs GPU replicas"
                    + " (--dist all or cuda with the CUDA backend); CPU replicas are threads of one process");
        return devices;
    }

    private static IllegalArgumentException usage(String dist) {
        return new IllegalArgumentException("--dist must be all, cpu, cpu:N, cuda or cuda:N, got '" + dist + "'");
    }
}
