package dev.eve.models.fakedevice;

import dev.eve.core.dist.ProcessGroup;
import dev.eve.core.dist.ProcessGroupProvider;
import dev.eve.core.dist.ThreadGroup;
import dev.eve.core.tensor.Device;

import java.util.ArrayList;
import java.util.List;

/**
 * Process groups for replicas on fake devices (what NCCL is for CUDA replicas): {@link ThreadGroup}s,
 * whose members read each other's tensors through copies to their own device, so a replica on
 * fake:1 never mixes devices and the results are bit-identical to thread replicas on the CPU.
 * Registered in the test resources (META-INF/services/dev.eve.core.dist.ProcessGroupProvider).
 */
public final class FakeDeviceGroups implements ProcessGroupProvider {

    @Override
    public String deviceType() {
        return FakeDevice.TYPE;
    }

    @Override
    public List<List<ProcessGroup>> create(List<Device> devices, int count) {
        for (Device d : devices)
            if (d.index() >= FakeDevice.DEVICE_COUNT)
                throw new IllegalArgumentException("no " + d + ": there are " + FakeDevice.DEVICE_COUNT + " fake devices");
        List<List<ProcessGroup>> groups = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            ThreadGroup g = new ThreadGroup(devices.size());
            List<ProcessGroup> members = new ArrayList<>();
            for (int r = 0; r < devices.size(); r++) members.add(g.member(r));
            groups.add(members);
        }
        return groups;
    }
}
