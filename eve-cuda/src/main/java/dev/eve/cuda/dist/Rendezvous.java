package dev.eve.cuda.dist;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * torchrun-style bootstrap of a communicator: rank 0 creates a secret (the NCCL unique id) and serves
 * it over TCP on {@code MASTER_PORT}; every other rank connects to {@code MASTER_ADDR:MASTER_PORT}
 * (retrying until rank 0 listens), says who it is, and receives it. Rank 0 returns once every rank has
 * it, so that a rank that never comes is an error naming it rather than a hang inside NCCL.
 *
 * <p>Wire format (big-endian): the client sends {@code MAGIC, VERSION, rank, worldSize}; the server
 * answers {@code MAGIC, 0, length, bytes} or {@code MAGIC, 1, message (modified UTF-8)}.
 */
public final class Rendezvous {

    static final int MAGIC = 0x45564531; // "EVE1"
    static final int VERSION = 1;
    private static final int MAX_PAYLOAD = 1 << 16;

    private Rendezvous() {}

    /** Rank 0: {@code secret.get()}, served to every other rank; others: fetched from rank 0. */
    public static byte[] exchange(DistEnv env, Supplier<byte[]> secret, Duration timeout) {
        if (!env.isDistributed()) return secret.get();
        if (env.rank() == 0) {
            byte[] payload = secret.get();
            serve(env, payload, timeout);
            return payload;
        }
        return fetch(env, timeout);
    }

    /** Serves {@code payload} to ranks 1..worldSize-1; returns when each has received it. */
    static void serve(DistEnv env, byte[] payload, Duration timeout) {
        if (payload.length > MAX_PAYLOAD) throw new IllegalArgumentException("payload of " + payload.length + " bytes is too large");
        long deadline = System.nanoTime() + timeout.toNanos();
        TreeSet<Integer> missing = new TreeSet<>();
        for (int r = 1; r < env.worldSize(); r++) missing.add(r);
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(env.masterPort()), env.worldSize());
            while (!missing.isEmpty()) {
                int left = remainingMillis(deadline);
                if (left <= 0) throw timedOut(env, missing, timeout);
                server.setSoTimeout(left);
                Socket s;
                try {
                    s = server.accept();
                } catch (SocketTimeoutException e) {
                    throw timedOut(env, missing, timeout);
                }
                try (s) {
                    s.setSoTimeout(Math.max(1, Math.min(left, 10_000)));
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    DataOutputStream out = new DataOutputStream(s.getOutputStream());
                    int magic, version, rank, world;
                    try {
                        magic = in.readInt();
                        version = in.readInt();
                        rank = in.readInt();
                        world = in.readInt();
                    } catch (IOException e) {
                        continue; // not one of ours (a port scan, a health check): ignore it
                    }
                    if (magic != MAGIC) continue;
                    String error = null;
                    if (version != VERSION) error = "rendezvous protocol " + version + " but rank 0 speaks " + VERSION;
                    else if (world != env.worldSize()) error = "rank " + rank + " has WORLD_SIZE=" + world + " but rank 0 has " + env.worldSize();
                    else if (rank <= 0 || rank >= world) error = "a process with RANK=" + rank + " joined a world of " + world + " (ranks 1.." + (world - 1) + " connect to rank 0)";
                    else if (!missing.contains(rank)) error = "two processes have RANK=" + rank;
                    out.writeInt(MAGIC);
                    if (error != null) {
                        out.writeInt(1);
                        out.writeUTF(error);
                        out.flush();
                        throw new DistConfigException("rendezvous on port " + env.masterPort() + ": " + error);
                    }
                    out.writeInt(0);
                    out.writeInt(payload.length);
                    out.write(payload);
                    out.flush();
                    missing.remove(rank);
                } catch (IOException e) {
                    // that client went away before it got its answer; it will retry and count then
                }
            }
        } catch (IOException e) {
            throw new DistConfigException("rank 0 cannot listen on port " + env.masterPort() + " (MASTER_PORT): " + e.getMessage(), e);
        }
    }

    /** Connects to rank 0 (retrying while it does not listen yet) and receives the payload. */
    static byte[] fetch(DistEnv env, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String where = env.masterAddr() + ":" + env.masterPort();
        IOException last = null;
        while (remainingMillis(deadline) > 0) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(env.masterAddr(), env.masterPort()), Math.max(1, Math.min(remainingMillis(deadline), 5_000)));
                s.setSoTimeout(Math.max(1, remainingMillis(deadline)));
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeInt(MAGIC);
                out.writeInt(VERSION);
                out.writeInt(env.rank());
                out.writeInt(env.worldSize());
                out.flush();
                DataInputStream in = new DataInputStream(s.getInputStream());
                if (in.readInt() != MAGIC) throw new DistConfigException("rank " + env.rank() + ": " + where + " is not an EVE rendezvous (MASTER_ADDR/MASTER_PORT)");
                int status = in.readInt();
                if (status != 0) throw new DistConfigException("rank " + env.rank() + ": rank 0 refused: " + in.readUTF());
                int n = in.readInt();
                if (n < 0 || n > MAX_PAYLOAD) throw new DistConfigException("rank " + env.rank() + ": bad payload length " + n + " from " + where);
                byte[] payload = new byte[n];
                in.readFully(payload);
                return payload;
            } catch (ConnectException | SocketTimeoutException e) {
                last = e; // rank 0 is not listening yet
            } catch (EOFException e) {
                last = e; // rank 0 closed the connection early (restarting?): try again
            } catch (IOException e) {
                last = e;
            }
            sleep(Math.min(200, Math.max(0, remainingMillis(deadline))));
        }
        throw new DistConfigException("rank " + env.rank() + ": no rendezvous with rank 0 at " + where + " within " + seconds(timeout)
                + " (" + (last == null ? "no attempt" : last.getClass().getSimpleName() + ": " + last.getMessage()) + ")");
    }

    private static DistConfigException timedOut(DistEnv env, TreeSet<Integer> missing, Duration timeout) {
        List<Integer> m = new ArrayList<>(missing);
        return new DistConfigException("rendezvous on port " + env.masterPort() + ": rank" + (m.size() == 1 ? " " + m.get(0) : "s " + m)
                + " did not connect within " + seconds(timeout) + " (is every process started with the same MASTER_ADDR/MASTER_PORT and WORLD_SIZE=" + env.worldSize() + "?)");
    }

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    private static int remainingMillis(long deadline) {
        long ms = (deadline - System.nanoTime()) / 1_000_000;
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, ms));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DistConfigException("interrupted during the rendezvous", e);
        }
    }
}
