package dev.eve.cuda.dist;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.dist.ProcessGroup;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Tensor;
import dev.eve.cuda.CudaStorage;
import dev.eve.cuda.runtime.CudaDevice;
import dev.eve.cuda.runtime.CudaEvent;
import dev.eve.cuda.runtime.CudaStream;
import dev.eve.cuda.runtime.DevicePtr;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.nccl.ncclComm;
import org.bytedeco.cuda.nccl.ncclUniqueId;
import org.bytedeco.javacpp.Loader;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

import static org.bytedeco.cuda.global.nccl.*;

/**
 * One member of an NCCL communicator: a GPU of a torchrun-style job, either one process per GPU
 * ({@link #init}, bootstrapped by {@link Rendezvous}) or one process driving every GPU of its machine
 * ({@link #initLocal}, what {@link NcclGroupProvider} makes for data-parallel replicas). Synchronous
 * collectives are enqueued on the device's EVE stream, so they are ordered after the kernels that
 * produced their inputs and before those that read their outputs, without host synchronisation;
 * {@link #barrier()} is the one call that waits on the host.
 *
 * <p>{@link #allReduceAsync} is the overlap of gradient all-reduce with backward: the collective runs
 * on a communication stream of its own, which first waits for an event recorded on the compute stream
 * (the gradient copy into the bucket is done), so backward's next kernels proceed in parallel; the
 * handle's {@link Work#await()} makes the compute stream wait for the communication stream, without
 * blocking the host.
 *
 * <p>{@link #abort()} (from any thread, e.g. that of a replica that failed) ends the communicator with
 * {@code ncclCommAbort}: kernels waiting for a peer quit, so that host waits on them return, and every
 * later call throws an {@link IllegalStateException}. NCCL counts an abort as an intra-node collective:
 * every member of the communicator in this process must be aborted (DataParallel aborts them all).
 */
public final class NcclGroup implements ProcessGroup {

    /** NCCL_UNIQUE_ID_BYTES. */
    static final int UNIQUE_ID_BYTES = 128;
    /** How long an abort waits for a call that is enqueuing work to leave NCCL (see {@link CommGuard}). */
    private static final long ABORT_WAIT_MILLIS = 1_000;

    private final int rank, worldSize;
    private final CudaDevice device;
    private final Device eveDevice;
    private final ncclComm comm;
    private final CommGuard guard;
    private CudaStream commStream;
    private boolean released;

    private NcclGroup(int rank, int worldSize, String where, CudaDevice device, ncclComm comm) {
        this.rank = rank;
        this.worldSize = worldSize;
        this.device = device;
        this.eveDevice = Device.cuda(device.index());
        this.comm = comm;
        this.guard = new CommGuard("NCCL communicator of " + where, ABORT_WAIT_MILLIS);
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
        device.makeCurrent();
        ncclComm comm = new ncclComm();
        check(ncclCommInitRank(comm, env.worldSize(), uniqueId(id), env.rank()), "ncclCommInitRank(" + env + ")", null);
        return new NcclGroup(env.rank(), env.worldSize(), env.toString(), device, comm);
    }

    /**
     * One communicator member per GPU of this process ({@code gpus}, in local order), all created by
     * this thread in one NCCL group call (the way one thread initialises several devices), with the
     * ranks of {@code layout}; {@code id} is the communicator's unique id, shared by every node.
     */
    public static List<NcclGroup> initLocal(List<Integer> gpus, NodeLayout layout, byte[] id) {
        if (gpus.size() != layout.localGpus())
            throw new IllegalArgumentException(gpus.size() + " GPUs for a layout of " + layout.localGpus());
        loadNccl();
        List<CudaDevice> devices = new ArrayList<>();
        for (int g : gpus) devices.add(CudaDevice.current(g));
        ncclUniqueId uid = uniqueId(id);
        ncclComm[] comms = new ncclComm[devices.size()];
        check(ncclGroupStart(), "ncclGroupStart", null);
        try {
            for (int i = 0; i < devices.size(); i++) {
                devices.get(i).makeCurrent();
                comms[i] = new ncclComm();
                check(ncclCommInitRank(comms[i], layout.worldSize(), uid, layout.globalRank(i)),
                        "ncclCommInitRank(cuda:" + gpus.get(i) + ", rank " + layout.globalRank(i) + " of " + layout.worldSize() + ")", null);
            }
        } finally {
            check(ncclGroupEnd(), "ncclGroupEnd (initialising " + layout + ")", null);
        }
        List<NcclGroup> out = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++)
            out.add(new NcclGroup(layout.globalRank(i), layout.worldSize(), layout + ", cuda:" + gpus.get(i), devices.get(i), comms[i]));
        return out;
    }

    private static ncclUniqueId uniqueId(byte[] id) {
        ncclUniqueId uid = new ncclUniqueId();
        uid.internal().put(id, 0, id.length);
        return uid;
    }

    static void loadNccl() {
        try {
            Loader.load(org.bytedeco.cuda.global.nccl.class);
        } catch (UnsatisfiedLinkError e) {
            throw new DistConfigException("cannot load NCCL (libnccl.so.2): put a folder holding it on LD_LIBRARY_PATH"
                    + " (a pip PyTorch has one in site-packages/nvidia/nccl/lib): " + e.getMessage(), e);
        }
    }

    static byte[] newUniqueId() {
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

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return worldSize;
    }

    /** The GPU of this member. */
    public Device device() {
        return eveDevice;
    }

    @Override
    public void allReduce(Tensor t, boolean mean) {
        long ptr = address(t, "allReduce");
        CUstream_st stream = stream();
        nccl("ncclAllReduce", () -> ncclAllReduce(DevicePtr.of(ptr), DevicePtr.of(ptr), t.numel(), ncclType(t.dtype()), mean ? ncclAvg : ncclSum,
                comm, stream));
    }

    @Override
    public Work allReduceAsync(Tensor t, boolean mean) {
        long ptr = address(t, "allReduceAsync");
        CudaStream compute = device.stream();
        CudaStream side = commStream();
        // The communication stream starts after what the compute stream has queued (the copy into t).
        try (CudaEvent produced = CudaEvent.create(false)) {
            side.waitEvent(produced.record(compute));
        }
        nccl("ncclAllReduce", () -> ncclAllReduce(DevicePtr.of(ptr), DevicePtr.of(ptr), t.numel(), ncclType(t.dtype()), mean ? ncclAvg : ncclSum,
                comm, side.handle()));
        CudaEvent done = CudaEvent.create(false).record(side);
        return new Work() {
            private boolean awaited;

            @Override
            public synchronized void await() {
                if (awaited) return;
                awaited = true;
                device.makeCurrent();
                compute.waitEvent(done);
                done.close();
            }
        };
    }

    @Override
    public Tensor allGather(Tensor t) {
        Tensor src = t.isContiguous() ? t : t.contiguous();
        if (src.dim() == 0) src = src.reshape(1);
        long[] rows = gatherRowCounts(src.size(0));
        long most = 0;
        boolean equal = true;
        for (long r : rows) {
            most = Math.max(most, r);
            equal &= r == rows[0];
        }
        // NCCL gathers equal blocks: shorter members pad to the longest, and the padding is cut out after.
        Tensor block = src;
        if (!equal && src.size(0) < most) {
            int[] padded = src.shape().clone();
            padded[0] = (int) most;
            block = Tensor.zeros(eveDevice, src.dtype(), padded);
            try (var ignored = NoGrad.enter()) {
                block.slice(0, 0, src.size(0)).assign(src);
            }
        }
        int[] shape = block.shape().clone();
        shape[0] *= worldSize();
        Tensor out = Tensor.zeros(eveDevice, block.dtype(), shape);
        long from = address(block, "allGather"), to = address(out, "allGather"), count = block.numel();
        int type = ncclType(block.dtype());
        CUstream_st stream = stream();
        nccl("ncclAllGather", () -> ncclAllGather(DevicePtr.of(from), DevicePtr.of(to), count, type, comm, stream));
        if (equal) return out;
        List<Tensor> parts = new ArrayList<>();
        for (int r = 0; r < worldSize(); r++) parts.add(out.slice(0, (int) (r * most), (int) (r * most + rows[r])));
        return Tensor.cat(0, parts);
    }

    /** Every member's row count (one small gather, read on the host: the shapes must be known). */
    private long[] gatherRowCounts(int rows) {
        Tensor mine = Tensor.of(new long[] {rows}).to(eveDevice);
        Tensor all = Tensor.zeros(eveDevice, DType.I64, worldSize());
        long from = address(mine, "allGather"), to = address(all, "allGather");
        CUstream_st stream = stream();
        nccl("ncclAllGather (row counts)", () -> ncclAllGather(DevicePtr.of(from), DevicePtr.of(to), 1, ncclInt64, comm, stream));
        long[] counts = all.toLongArray();
        guard.ensureOpen();   // an abort during the wait leaves counts that were never gathered
        return counts;
    }

    @Override
    public void broadcast(Tensor t, int root) {
        if (root < 0 || root >= worldSize()) throw new IllegalArgumentException("broadcast root " + root + " outside a world of " + worldSize());
        long ptr = address(t, "broadcast");
        CUstream_st stream = stream();
        nccl("ncclBroadcast", () -> ncclBroadcast(DevicePtr.of(ptr), DevicePtr.of(ptr), t.numel(), ncclType(t.dtype()), root, comm, stream));
    }

    /**
     * Makes every rank's parameters (and any other state tensors, e.g. buffers) rank 0's, in one NCCL
     * group: what a job does once after building its model, so that all ranks start from the same weights.
     */
    public void broadcastFromRankZero(List<Tensor> tensors) {
        // ncclGroupEnd is where the grouped broadcasts reach the communicator: inside the guard too.
        guard.run(() -> {
            check(ncclGroupStart(), "ncclGroupStart", comm);
            try {
                for (Tensor t : tensors) broadcast(t, 0);
            } finally {
                check(ncclGroupEnd(), "ncclGroupEnd", comm);
            }
        });
    }

    @Override
    public void barrier() {
        Tensor one = Tensor.zeros(eveDevice, DType.F32, 1);
        allReduce(one, false);
        device.stream().synchronize();
        guard.ensureOpen();   // the wait ended because the group was aborted, not because every member came
    }

    /**
     * Ends the communicator with ncclCommAbort, from any thread, even while a collective is in flight:
     * its kernels stop waiting for the other members, and every later call throws. Idempotent.
     */
    @Override
    public void abort() {
        // The result is not checked: whatever ncclCommAbort says, the communicator is gone.
        guard.abort(() -> ncclCommAbort(comm));
    }

    /** Whether {@link #abort()} was called. */
    public boolean isAborted() {
        return guard.isAborted();
    }

    @Override
    public synchronized void close() {
        if (released) return;
        released = true;
        // After an abort NCCL has freed the communicator (destroying it again would free it twice),
        // and its stream's work may never finish: release the stream without waiting for it.
        boolean open = guard.close();
        device.makeCurrent();
        if (commStream != null) {
            if (open) commStream.synchronize();
            commStream.close();
        }
        if (open) ncclCommDestroy(comm);
    }

    /**
     * The compute stream, for a synchronous collective: made to wait for the asynchronous ones started
     * before it, so that this member's collectives run in the order they were called.
     */
    private CUstream_st stream() {
        guard.ensureOpen();
        device.makeCurrent();
        CudaStream compute = device.stream();
        CudaStream side = commStream;
        if (side != null) {
            try (CudaEvent before = CudaEvent.create(false)) {
                compute.waitEvent(before.record(side));
            }
        }
        return compute.handle();
    }

    private synchronized CudaStream commStream() {
        guard.ensureOpen();
        device.makeCurrent();
        if (commStream == null) commStream = CudaStream.create(device);
        return commStream;
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

    /**
     * Runs an NCCL call on this member's communicator through the guard, so that it never overlaps the
     * abort that frees it; a failure caused by an abort says so rather than giving NCCL's code.
     */
    private void nccl(String call, IntSupplier op) {
        guard.run(() -> {
            int code = op.getAsInt();
            if (code == ncclSuccess) return;
            guard.ensureOpen();
            check(code, call, comm);
        });
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
