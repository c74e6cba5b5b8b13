package dev.eve.cuda.dist;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.dist.ProcessGroup;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Tensor;
import dev.eve.cuda.CudaStorage;
import dev.eve.cuda.runtime.CudaDevice;
import dev.eve.cuda.runtime.DevicePtr;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.nccl.ncclComm;
import org.bytedeco.cuda.nccl.ncclUniqueId;
import org.bytedeco.javacpp.Loader;

import java.time.Duration;
import java.util.List;

import static org.bytedeco.cuda.global.nccl.*;

/**
 * An NCCL communicator over the processes of a torchrun-style job (one GPU each), bootstrapped by
 * {@link Rendezvous}. Collectives are enqueued on the device's EVE stream, so they are ordered after
 * the kernels that produced their inputs and before those that read their outputs, without host
 * synchronisation; {@link #barrier()} is the one call that waits on the host.
 *
 * <p>Gradients: {@link #allReduceGradients} packs the gradients of a {@link BucketPlan} into flat
 * buffers, all-reduces each bucket and unpacks them. It runs after backward: overlapping it with
 * backward (DDP's hooks) needs a per-parameter "gradient ready" hook in eve-core's autograd engine.
 */
public final class NcclGroup implements ProcessGroup, AutoCloseable {

    /** NCCL_UNIQUE_ID_BYTES. */
    static final int UNIQUE_ID_BYTES = 128;

    private final DistEnv env;
    private final CudaDevice device;
    private final Device eveDevice;
    private final ncclComm comm;
    private volatile boolean closed;

    private NcclGroup(DistEnv env, CudaDevice device, ncclComm comm) {
        this.env = env;
        this.device = device;
        this.eveDevice = Device.cuda(device.index());
        this.comm = comm;
    }

    /** Joins the job described by the environment (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK). */
    public static NcclGroup fromEnvironment(Duration timeout) {
        return init(DistEnv.fromEnvironment(), timeout);
    }

    /** Joins the job {@code env} on GPU {@code env.localRank()}; blocks until every rank has joined. */
    public static NcclGroup init(DistEnv env, Duration timeout) {
        CudaDevice device = CudaDevice.current(env.localRank());
        loadNccl();
        byte[] id = Rendezvous.exchange(env, NcclGroup::newUniqueId, timeout);
        if (id.length != UNIQUE_ID_BYTES) throw new DistConfigException("the NCCL unique id from rank 0 has " + id.length + " bytes, not " + UNIQUE_ID_BYTES);
        ncclUniqueId uid = new ncclUniqueId();
        uid.internal().put(id, 0, id.length);
        device.makeCurrent();
        ncclComm comm = new ncclComm();
        check(ncclCommInitRank(comm, env.worldSize(), uid, env.rank()), "ncclCommInitRank(" + env + ")", null);
        return new NcclGroup(env, device, comm);
    }

    private static void loadNccl() {
        try {
            Loader.load(org.bytedeco.cuda.global.nccl.class);
        } catch (UnsatisfiedLinkError e) {
            throw new DistConfigException("cannot load NCCL (libnccl.so.2): put a folder holding it on LD_LIBRARY_PATH"
                    + " (a pip PyTorch has one in site-packages/nvidia/nccl/lib): " + e.getMessage(), e);
        }
    }

    private static byte[] newUniqueId() {
        ncclUniqueId uid = new ncclUniqueId();
        check(ncclGetUniqueId(uid), "ncclGetUniqueId", null);
        byte[] b = new byte[UNIQUE_ID_BYTES];
        uid.internal().get(b);
        return b;
    }

    /** The NCCL version as major.minor.patch. */
    public static String ncclVersion() {
        loadNccl();
        int[] v = new int[1];
        check(ncclGetVersion(v), "ncclGetVersion", null);
        int code = v[0];
        return code >= 10000 ? (code / 10000) + "." + (code / 100 % 100) + "." + (code % 100) : (code / 1000) + "." + (code / 100 % 10) + "." + (code % 100);
    }

    public DistEnv env() {
        return env;
    }

    @Override
    public int rank() {
        return env.rank();
    }

    @Override
    public int worldSize() {
        return env.worldSize();
    }

    @Override
    public void allReduce(Tensor t, boolean mean) {
        long ptr = address(t, "allReduce");
        check(ncclAllReduce(DevicePtr.of(ptr), DevicePtr.of(ptr), t.numel(), ncclType(t.dtype()), mean ? ncclAvg : ncclSum, comm, stream()),
                "ncclAllReduce", comm);
    }

    @Override
    public Tensor allGather(Tensor t) {
        Tensor src = t.isContiguous() ? t : t.contiguous();
        int[] shape = src.shape().clone();
        if (shape.length == 0) shape = new int[] {1};
        else shape[0] *= worldSize();
        Tensor out = Tensor.zeros(eveDevice, src.dtype(), shape);
        check(ncclAllGather(DevicePtr.of(address(src, "allGather")), DevicePtr.of(address(out, "allGather")), src.numel(), ncclType(src.dtype()),
                comm, stream()), "ncclAllGather", comm);
        return out;
    }

    /** Replaces {@code t} (contiguous) on every rank by rank {@code root}'s. */
    public void broadcast(Tensor t, int root) {
        if (root < 0 || root >= worldSize()) throw new IllegalArgumentException("broadcast root " + root + " outside a world of " + worldSize());
        long ptr = address(t, "broadcast");
        check(ncclBroadcast(DevicePtr.of(ptr), DevicePtr.of(ptr), t.numel(), ncclType(t.dtype()), root, comm, stream()), "ncclBroadcast", comm);
    }

    /**
     * Makes every rank's parameters (and any other state tensors, e.g. buffers) rank 0's, in one NCCL
     * group: what a job does once after building its model, so that all ranks start from the same weights.
     */
    public void broadcastFromRankZero(List<Tensor> tensors) {
        check(ncclGroupStart(), "ncclGroupStart", comm);
        try {
            for (Tensor t : tensors) broadcast(t, 0);
        } finally {
            check(ncclGroupEnd(), "ncclGroupEnd", comm);
        }
    }

    @Override
    public void barrier() {
        Tensor one = Tensor.zeros(eveDevice, DType.F32, 1);
        allReduce(one, false);
        device.stream().synchronize();
    }

    /**
     * All-reduces the gradients of {@code params} bucket by bucket as {@code plan} (made from the same
     * list) groups them; a missing gradient counts as zeros and is set to the reduced one.
     */
    public void allReduceGradients(List<Tensor> params, BucketPlan plan, boolean mean) {
        try (var ignored = NoGrad.enter()) {
            for (BucketPlan.Bucket b : plan.buckets()) {
                Tensor flat = Tensor.zeros(eveDevice, b.dtype(), Math.toIntExact(b.numel()));
                for (BucketPlan.Slot s : b.slots()) {
                    Tensor g = params.get(s.param()).grad();
                    if (g != null) flat.slice(0, (int) s.offset(), (int) (s.offset() + s.numel())).assign(g.reshape(Math.toIntExact(s.numel())));
                }
                allReduce(flat, mean);
                for (BucketPlan.Slot s : b.slots()) {
                    Tensor p = params.get(s.param());
                    Tensor reduced = flat.slice(0, (int) s.offset(), (int) (s.offset() + s.numel())).reshape(p.shape());
                    if (p.grad() == null) p.setGrad(reduced.copy());
                    else p.grad().assign(reduced);
                }
            }
        }
    }

    /** A plan for the given parameters (DDP's default bucket sizes). */
    public static BucketPlan plan(List<Tensor> params) {
        return BucketPlan.plan(params.stream().map(p -> new BucketPlan.Param(p.numel(), p.dtype())).toList());
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        device.makeCurrent();
        ncclCommDestroy(comm);
    }

    private CUstream_st stream() {
        if (closed) throw new IllegalStateException("NCCL communicator of " + env + " is closed");
        device.makeCurrent();
        return device.stream().handle();
    }

    private long address(Tensor t, String op) {
        if (!(t.storage() instanceof CudaStorage s))
            throw new IllegalArgumentException(op + ": the tensor is on " + t.device() + ", not on a CUDA device");
        if (s.cudaDevice().index() != device.index())
            throw new IllegalArgumentException(op + ": the tensor is on cuda:" + s.cudaDevice().index() + " but this rank uses cuda:" + device.index());
        if (!t.isContiguous()) throw new IllegalArgumentException(op + ": the tensor must be contiguous");
        return s.pointer(t.offset());
    }

    static int ncclType(DType d) {
        return switch (d) {
            case F32 -> ncclFloat32;
            case BF16 -> ncclBfloat16;
            case F16 -> ncclFloat16;
            case I64 -> ncclInt64;
            case I32 -> ncclInt32;
            default -> throw new IllegalArgumentException("NCCL collectives of " + d + " tensors are not supported");
        };
    }

    private static void check(int code, String call, ncclComm comm) {
        if (code == ncclSuccess) return;
        String what = ncclGetErrorString(code).getString();
        String last = "";
        try {
            if (comm != null) {
                var p = ncclGetLastError(comm);
                if (p != null && !p.isNull()) last = p.getString();
            }
        } catch (Throwable ignored) {
            // the detail is optional
        }
        throw new DistConfigException(call + " failed: " + what + (last.isBlank() ? "" : " (" + last.trim() + ")"));
    }
}
