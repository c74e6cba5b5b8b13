package dev.eve.cuda.dist;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Rank 0's side of a {@link Rendezvous}: all or nothing. Each rank's connection is checked and held
 * open until every rank has said hello; then either every rank gets the payload, or, when a hello
 * is wrong (protocol, world size, rank, a value of the {@link Agreement}) or a rank never comes,
 * every rank connected so far gets the same one-line error, which rank 0 throws too. Handing the
 * payload out as ranks arrived let the first ones go on into NCCL, where they waited forever for a
 * rank that had stopped on a check of its own.
 */
final class RendezvousServer {

    /** A rank's connection, held until the answer. */
    private record Held(Socket socket, DataInputStream in, DataOutputStream out) {
        static Held of(Socket s) throws IOException {
            return new Held(s, new DataInputStream(s.getInputStream()), new DataOutputStream(s.getOutputStream()));
        }

        /** Whether the rank closed this connection (it then connects again: its new one replaces this one). */
        boolean isGone() {
            try {
                socket.setSoTimeout(1);
                return in.read() < 0;
            } catch (SocketTimeoutException e) {
                return false;   // open, and quiet as a rank waiting for its answer is
            } catch (IOException e) {
                return true;
            }
        }

        void close() {
            try {
                // Input left unread (an old client's longer hello) would turn the close into a reset,
                // which can discard the answer before that rank reads it.
                socket.shutdownOutput();
                in.skipNBytes(in.available());
            } catch (IOException ignored) {
                // gone already
            }
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing more to tell that rank
            }
        }
    }

    /** What a rank says first; {@code agreed} is null when its protocol version is not ours (the rest is then unknown). */
    private record Hello(int version, int rank, int worldSize, String agreed) {}

    private final DistEnv env;
    private final Agreement agreement;
    private final Duration timeout;
    private final long deadline;
    private final TreeMap<Integer, Held> held = new TreeMap<>();

    RendezvousServer(DistEnv env, Agreement agreement, Duration timeout) {
        this.env = env;
        this.agreement = agreement;
        this.timeout = timeout;
        this.deadline = System.nanoTime() + timeout.toNanos();
    }

    /** Waits for ranks 1..worldSize-1, then sends them {@code secret.get()} (made only once all agree) and returns it. */
    byte[] serve(Supplier<byte[]> secret) {
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(env.masterPort()), env.worldSize());
            do {
                while (held.size() < env.worldSize() - 1) admit(server);
            } while (droppedGone());
            byte[] payload = make(secret);
            for (var e : held.entrySet()) send(e.getKey(), e.getValue(), payload);
            return payload;
        } catch (IOException e) {
            throw new DistConfigException("rank 0 cannot listen on port " + env.masterPort() + " (MASTER_PORT): " + e.getMessage(), e);
        } finally {
            for (Held h : held.values()) h.close();
        }
    }

    /** Accepts one connection: holds it when it is a rank that fits, ignores a stranger, fails everyone otherwise. */
    private void admit(ServerSocket server) throws IOException {
        int left = Rendezvous.remainingMillis(deadline);
        if (left <= 0) throw failAll(timedOut(), null);
        server.setSoTimeout(left);
        Held h;
        try {
            h = Held.of(server.accept());
        } catch (SocketTimeoutException e) {
            throw failAll(timedOut(), null);
        }
        Hello hello = readHello(h, left);
        if (hello == null) {
            h.close();   // not one of ours (a port scan, a health check): ignore it
            return;
        }
        Held earlier = held.get(hello.rank());
        if (earlier != null && hello.agreed() != null && earlier.isGone()) {
            earlier.close();   // that rank lost its first connection and came again
            held.remove(hello.rank());
        }
        String error = check(hello);
        if (error != null) throw failAll(error, h);
        held.put(hello.rank(), h);
    }

    /**
     * Drops the held connections whose rank has closed them (it lost the connection and will come
     * again), so that rank 0 waits for those ranks rather than answering into the void.
     */
    private boolean droppedGone() {
        return held.values().removeIf(h -> {
            if (!h.isGone()) return false;
            h.close();
            return true;
        });
    }

    /** The hello, or null when whoever connected does not speak the rendezvous. */
    private static Hello readHello(Held h, int leftMillis) {
        try {
            // A stranger that says nothing must not hold up the ranks behind it for long.
            h.socket().setSoTimeout(Math.max(1, Math.min(leftMillis, 10_000)));
            if (h.in().readInt() != Rendezvous.MAGIC) return null;
            int version = h.in().readInt();
            if (version != Rendezvous.VERSION) return new Hello(version, -1, -1, null);
            int rank = h.in().readInt(), world = h.in().readInt();
            return new Hello(version, rank, world, h.in().readUTF());
        } catch (IOException e) {
            return null;
        }
    }

    /** Null when {@code hello} is a rank this rendezvous is waiting for and it agrees, else why not. */
    private String check(Hello hello) {
        if (hello.version() != Rendezvous.VERSION)
            return "a process speaks rendezvous protocol " + hello.version() + " but rank 0 speaks " + Rendezvous.VERSION + " (are all nodes running the same version of eve?)";
        int rank = hello.rank(), world = hello.worldSize();
        if (world != env.worldSize()) return "rank " + rank + " has WORLD_SIZE=" + world + " but rank 0 has " + env.worldSize();
        if (rank <= 0 || rank >= world) return "a process with RANK=" + rank + " joined a world of " + world + " (ranks 1.." + (world - 1) + " connect to rank 0)";
        if (held.containsKey(rank)) return "two processes have RANK=" + rank;
        return agreement.differenceFrom(rank, hello.agreed());
    }

    private byte[] make(Supplier<byte[]> secret) {
        byte[] payload;
        try {
            payload = secret.get();
        } catch (RuntimeException e) {
            throw failAll("rank 0 could not make what it shares: " + e.getMessage(), null);
        }
        if (payload.length > Rendezvous.MAX_PAYLOAD)
            throw failAll("rank 0's payload of " + payload.length + " bytes is larger than the rendezvous carries (" + Rendezvous.MAX_PAYLOAD + ")", null);
        return payload;
    }

    private void send(int rank, Held h, byte[] payload) {
        try {
            h.out().writeInt(Rendezvous.MAGIC);
            h.out().writeInt(Rendezvous.OK);
            h.out().writeInt(payload.length);
            h.out().write(payload);
            h.out().flush();
        } catch (IOException e) {
            // The others have it already and go on; this rank is gone, so rank 0 stops here, saying which.
            throw new DistConfigException("rendezvous on port " + env.masterPort() + ": rank " + rank + " went away before it got rank 0's answer ("
                    + e.getMessage() + ")", e);
        }
    }

    /**
     * Tells every held rank, and {@code also} (the connection that brought the error, when there is
     * one), the same line, and returns it as the exception rank 0 throws.
     */
    private DistConfigException failAll(String error, Held also) {
        String line = "rendezvous on port " + env.masterPort() + ": " + error;
        List<Held> told = new ArrayList<>(held.values());
        if (also != null) told.add(also);
        for (Held h : told) {
            try {
                h.out().writeInt(Rendezvous.MAGIC);
                h.out().writeInt(Rendezvous.REFUSED);
                h.out().writeUTF(line);
                h.out().flush();
            } catch (IOException ignored) {
                // that rank is gone already; the others still hear why
            }
            h.close();
        }
        held.clear();
        return new DistConfigException(line);
    }

    private String timedOut() {
        TreeSet<Integer> missing = new TreeSet<>();
        for (int r = 1; r < env.worldSize(); r++) if (!held.containsKey(r)) missing.add(r);
        List<Integer> m = new ArrayList<>(missing);
        return "rank" + (m.size() == 1 ? " " + m.get(0) : "s " + m) + " did not connect within " + Rendezvous.seconds(timeout)
                + " (is every process started with the same MASTER_ADDR/MASTER_PORT and WORLD_SIZE=" + env.worldSize() + "?)";
    }
}
