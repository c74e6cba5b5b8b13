package dev.eve.cuda.dist;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * torchrun-style bootstrap of a communicator: rank 0 serves a secret (the NCCL unique ids) over TCP
 * on {@code MASTER_PORT}; every other rank connects to {@code MASTER_ADDR:MASTER_PORT} (retrying
 * until rank 0 listens), says who it is and what it has of an {@link Agreement}, and waits for the
 * answer. All or nothing ({@link RendezvousServer}): rank 0 answers once every rank has said hello,
 * with the secret when all fit, or with the same one-line error for all, which every rank throws, so
 * that a rank that is wrong or never comes is an error naming it on every node rather than a hang
 * inside NCCL.
 *
 * <p>Wire format (big-endian), protocol {@value #VERSION}: the client sends {@code MAGIC, VERSION,
 * rank, worldSize, agreed value (modified UTF-8)}; the server answers {@code MAGIC, 0, length, bytes}
 * or {@code MAGIC, 1, message (modified UTF-8)}. The answer has the same form in protocol 1, so a
 * process of an older eve is told, in words, that it does not fit.
 */
public final class Rendezvous {

    static final int MAGIC = 0x45564531; // "EVE1"
    /** 2: the hello carries the agreed value, and rank 0 answers only once every rank has said hello. */
    static final int VERSION = 2;
    static final int OK = 0, REFUSED = 1;
    static final int MAX_PAYLOAD = 1 << 16;

    private Rendezvous() {}

    /** {@link #exchange(DistEnv, Agreement, Supplier, Duration)} with nothing to agree on. */
    public static byte[] exchange(DistEnv env, Supplier<byte[]> secret, Duration timeout) {
        return exchange(env, Agreement.NOTHING, secret, timeout);
    }

    /**
     * Rank 0: {@code secret.get()}, made once every rank has said hello with rank 0's value of
     * {@code agreeOn}, and served to them all; others: fetched from rank 0. Throws the same
     * {@link DistConfigException} on every rank connected when one does not fit or does not come.
     */
    public static byte[] exchange(DistEnv env, Agreement agreeOn, Supplier<byte[]> secret, Duration timeout) {
        if (!env.isDistributed()) return secret.get();
        if (env.rank() == 0) return new RendezvousServer(env, agreeOn, timeout).serve(secret);
        return fetch(env, agreeOn, timeout);
    }

    /** Connects to rank 0 (retrying while it does not listen yet), says hello and waits for the answer until the deadline. */
    static byte[] fetch(DistEnv env, Agreement agreeOn, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String where = env.masterAddr() + ":" + env.masterPort();
        IOException last = null;
        boolean waitedForAnswer = false;
        while (remainingMillis(deadline) > 0) {
            waitedForAnswer = false;
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(env.masterAddr(), env.masterPort()), Math.max(1, Math.min(remainingMillis(deadline), 5_000)));
                s.setSoTimeout(Math.max(1, remainingMillis(deadline)));
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeInt(MAGIC);
                out.writeInt(VERSION);
                out.writeInt(env.rank());
                out.writeInt(env.worldSize());
                out.writeUTF(agreeOn.value());
                out.flush();
                waitedForAnswer = true;
                return readAnswer(env, new DataInputStream(s.getInputStream()), where);
            } catch (IOException e) {
                // Not listening yet, or the connection broke before the answer (rank 0 restarting): try again.
                last = e;
            }
            sleep(Math.min(200, Math.max(0, remainingMillis(deadline))));
        }
        if (waitedForAnswer && last instanceof SocketTimeoutException)
            throw new DistConfigException("rank " + env.rank() + ": rank 0 at " + where + " did not answer within " + seconds(timeout)
                    + " (it answers once all " + env.worldSize() + " ranks have connected: is every process started?)");
        throw new DistConfigException("rank " + env.rank() + ": no rendezvous with rank 0 at " + where + " within " + seconds(timeout)
                + " (" + (last == null ? "no attempt" : last.getClass().getSimpleName() + ": " + last.getMessage()) + ")");
    }

    /** The payload, or rank 0's refusal thrown as it is, so that every rank reports the same line. */
    private static byte[] readAnswer(DistEnv env, DataInputStream in, String where) throws IOException {
        if (in.readInt() != MAGIC) throw new DistConfigException("rank " + env.rank() + ": " + where + " is not an EVE rendezvous (MASTER_ADDR/MASTER_PORT)");
        int status = in.readInt();
        if (status == REFUSED) throw new DistConfigException(in.readUTF());
        if (status != OK) throw new DistConfigException("rank " + env.rank() + ": answer " + status + " from " + where + " is not part of rendezvous protocol " + VERSION);
        int n = in.readInt();
        if (n < 0 || n > MAX_PAYLOAD) throw new DistConfigException("rank " + env.rank() + ": bad payload length " + n + " from " + where);
        byte[] payload = new byte[n];
        in.readFully(payload);
        return payload;
    }

    static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    static int remainingMillis(long deadline) {
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
