package dev.eve.core.dist;

import dev.eve.core.tensor.Device;

import java.util.List;

/**
 * A {@link java.util.ServiceLoader} service that makes process groups for replicas on devices of one
 * type (eve-cuda ships NCCL's for {@code cuda}), so that eve-models runs data-parallel replicas on
 * GPUs without depending on eve-cuda.
 */
public interface ProcessGroupProvider {

    /** The device type whose replicas this provider connects, e.g. {@code cuda}. */
    String deviceType();

    /**
     * {@code count} independent groups over this process's replicas, replica {@code i} on
     * {@code devices.get(i)}: {@code result.get(k).get(i)} is replica i's member of group k. Groups
     * are independent: collectives of one are never ordered against another's (gradients go through
     * their own group so that they never interleave with the model's collectives). A provider may
     * extend the groups over other processes (a multi-node job): then ranks and world size are global.
     */
    List<List<ProcessGroup>> create(List<Device> devices, int count);
}
