package dev.eve.cuda.dist;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The unique-id exchange between threads on localhost, each playing one rank: all of them get the id, or all fail alike. */
class RendezvousTest {

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static DistEnv env(int port, int rank, int world) {
        return new DistEnv("127.0.0.1", port, rank, world, rank);
    }

    private static byte[] secret() {
        byte[] b = new byte[NcclGroup.UNIQUE_ID_BYTES];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 7 + 3);
        return b;
    }

    /** How a node says its GPU count, as NodeLayout does. */
    private static Agreement gpus(int n) {
        return new NodeLayout(DistEnv.single(), n).gpuCount();
    }

    /** The DistConfigException a rank's exchange ended with (it must end within 10 s, and not with the payload). */
    private static DistConfigException failure(Future<byte[]> rank) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> rank.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(DistConfigException.class, e.getCause());
    }

    @Test
    void everyRankGetsRankZerosIdEvenWhenItStartsFirst() throws Exception {
        int port = freePort(), world = 4;
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            List<Future<byte[]>> got = new ArrayList<>();
            // Ranks 1..3 start before rank 0 listens: they retry.
            for (int r = world - 1; r >= 1; r--) {
                int rank = r;
                got.add(pool.submit(() -> Rendezvous.exchange(env(port, rank, world), () -> { throw new AssertionError("only rank 0 makes the id"); }, Duration.ofSeconds(20))));
            }
            Thread.sleep(300);
            Future<byte[]> zero = pool.submit(() -> Rendezvous.exchange(env(port, 0, world), RendezvousTest::secret, Duration.ofSeconds(20)));
            assertArrayEquals(secret(), zero.get(30, TimeUnit.SECONDS));
            for (Future<byte[]> f : got) assertArrayEquals(secret(), f.get(30, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSingleProcessNeedsNoServer() {
        assertArrayEquals(secret(), Rendezvous.exchange(DistEnv.single(), RendezvousTest::secret, Duration.ofMillis(1)));
    }

    @Test
    void aMissingRankIsNamedWhenRankZeroGivesUp() throws Exception {
        int port = freePort();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<byte[]> one = pool.submit(() -> Rendezvous.exchange(env(port, 1, 3), () -> null, Duration.ofSeconds(20)));
            DistConfigException e = assertThrows(DistConfigException.class,
                    () -> Rendezvous.exchange(env(port, 0, 3), RendezvousTest::secret, Duration.ofMillis(1500)));
            assertTrue(e.getMessage().contains("rank 2 did not connect within 1.5 s"), e.getMessage());
            // Rank 1 came in time: it hears the same line at once, not after its own 20 s, and no id.
            assertEquals(e.getMessage(), failure(one).getMessage());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aWrongWorldSizeFailsBothSidesWithOneLine() throws Exception {
        int port = freePort();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<byte[]> zero = pool.submit(() -> Rendezvous.exchange(env(port, 0, 2), RendezvousTest::secret, Duration.ofSeconds(20)));
            DistConfigException client = assertThrows(DistConfigException.class,
                    () -> Rendezvous.exchange(env(port, 1, 3), () -> null, Duration.ofSeconds(20)));
            assertTrue(client.getMessage().contains("rank 1 has WORLD_SIZE=3 but rank 0 has 2"), client.getMessage());
            assertFalse(client.getMessage().contains("\n"));
            assertEquals(client.getMessage(), failure(zero).getMessage());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void strangersOnThePortAreIgnored() throws Exception {
        int port = freePort();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<byte[]> zero = pool.submit(() -> Rendezvous.exchange(env(port, 0, 2), RendezvousTest::secret, Duration.ofSeconds(20)));
            // A health check that connects, writes garbage and leaves.
            for (int attempt = 0; ; attempt++) {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    new DataOutputStream(s.getOutputStream()).writeInt(0x12345678);
                    break;
                } catch (java.net.ConnectException e) {
                    if (attempt > 100) throw e;
                    Thread.sleep(50);
                }
            }
            byte[] one = Rendezvous.exchange(env(port, 1, 2), () -> null, Duration.ofSeconds(20));
            assertArrayEquals(secret(), one);
            assertArrayEquals(secret(), zero.get(10, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void noRankZeroIsAnErrorNamingTheAddress() throws Exception {
        int port = freePort();
        DistConfigException e = assertThrows(DistConfigException.class,
                () -> Rendezvous.exchange(env(port, 1, 2), () -> null, Duration.ofMillis(600)));
        assertTrue(e.getMessage().startsWith("rank 1: no rendezvous with rank 0 at 127.0.0.1:" + port + " within 0.6 s"), e.getMessage());
    }

    @Test
    void nodesThatAgreeAllGetThePayload() throws Exception {
        int port = freePort(), world = 3;
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            AtomicInteger made = new AtomicInteger();
            Future<byte[]> zero = pool.submit(() -> Rendezvous.exchange(env(port, 0, world), gpus(4), () -> {
                made.incrementAndGet();
                return secret();
            }, Duration.ofSeconds(20)));
            List<Future<byte[]>> others = new ArrayList<>();
            for (int r = 1; r < world; r++) {
                int rank = r;
                others.add(pool.submit(() -> Rendezvous.exchange(env(port, rank, world), gpus(4), () -> null, Duration.ofSeconds(20))));
            }
            assertArrayEquals(secret(), zero.get(30, TimeUnit.SECONDS));
            for (Future<byte[]> f : others) assertArrayEquals(secret(), f.get(30, TimeUnit.SECONDS));
            assertEquals(1, made.get(), "rank 0 makes the secret once");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void oneNodeThatDisagreesStopsEveryNodeWithTheSameLineAndNobodyGetsThePayload() throws Exception {
        int port = freePort(), world = 3;
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            AtomicInteger made = new AtomicInteger();
            Future<byte[]> zero = pool.submit(() -> Rendezvous.exchange(env(port, 0, world), gpus(8), () -> {
                made.incrementAndGet();
                return secret();
            }, Duration.ofSeconds(20)));
            // Rank 1 agrees and is held by rank 0 (it used to get the ids here and wait in NCCL forever) ...
            Future<byte[]> one = pool.submit(() -> Rendezvous.exchange(env(port, 1, world), gpus(8), () -> null, Duration.ofSeconds(20)));
            Thread.sleep(1000);
            assertFalse(one.isDone(), "rank 1 waits until every rank has said hello");
            // ... until rank 2, which drives fewer GPUs, says hello.
            Future<byte[]> two = pool.submit(() -> Rendezvous.exchange(env(port, 2, world), gpus(4), () -> null, Duration.ofSeconds(20)));
            String line = "rendezvous on port " + port + ": rank 2 drives 4 GPU(s) but rank 0 drives 8 GPU(s): every node must use the same number (--dist cuda:N)";
            assertEquals(line, failure(zero).getMessage());
            assertEquals(line, failure(one).getMessage());
            assertEquals(line, failure(two).getMessage());
            assertEquals(0, made.get(), "rank 0 makes no secret for a rendezvous that failed");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void twoProcessesWithOneRankStopEveryone() throws Exception {
        int port = freePort();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<byte[]> zero = pool.submit(() -> Rendezvous.exchange(env(port, 0, 3), RendezvousTest::secret, Duration.ofSeconds(20)));
            Future<byte[]> first = pool.submit(() -> Rendezvous.exchange(env(port, 1, 3), () -> null, Duration.ofSeconds(20)));
            Future<byte[]> second = pool.submit(() -> Rendezvous.exchange(env(port, 1, 3), () -> null, Duration.ofSeconds(20)));
            String line = failure(zero).getMessage();
            assertEquals("rendezvous on port " + port + ": two processes have RANK=1", line);
            assertEquals(line, failure(first).getMessage());
            assertEquals(line, failure(second).getMessage());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRankWhoseFirstConnectionBrokeMayComeAgain() throws Exception {
        int port = freePort();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<byte[]> zero = pool.submit(() -> Rendezvous.exchange(env(port, 0, 3), RendezvousTest::secret, Duration.ofSeconds(20)));
            // Rank 1 says hello and loses its connection; rank 0 holds that one until the rank comes again.
            try (Socket s = connect(port)) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeInt(Rendezvous.MAGIC);
                out.writeInt(Rendezvous.VERSION);
                out.writeInt(1);
                out.writeInt(3);
                out.writeUTF("");
                out.flush();
            }
            Future<byte[]> one = pool.submit(() -> Rendezvous.exchange(env(port, 1, 3), () -> null, Duration.ofSeconds(20)));
            Future<byte[]> two = pool.submit(() -> Rendezvous.exchange(env(port, 2, 3), () -> null, Duration.ofSeconds(20)));
            assertArrayEquals(secret(), zero.get(30, TimeUnit.SECONDS));
            assertArrayEquals(secret(), one.get(30, TimeUnit.SECONDS));
            assertArrayEquals(secret(), two.get(30, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aProcessOfAnOlderEveIsToldInWordsAndRankZeroStops() throws Exception {
        int port = freePort();
        ExecutorService pool = Executors.newFixedThreadPool(1);
        try {
            Future<byte[]> zero = pool.submit(() -> Rendezvous.exchange(env(port, 0, 2), RendezvousTest::secret, Duration.ofSeconds(20)));
            String heard;
            // Protocol 1's hello: no agreed value; its client reads the answer in the form both protocols share.
            try (Socket s = connect(port)) {
                s.setSoTimeout(10_000);
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeInt(Rendezvous.MAGIC);
                out.writeInt(1);
                out.writeInt(1);
                out.writeInt(2);
                out.flush();
                DataInputStream in = new DataInputStream(s.getInputStream());
                assertEquals(Rendezvous.MAGIC, in.readInt());
                assertEquals(1, in.readInt(), "refused");
                heard = in.readUTF();
            }
            assertEquals("rendezvous on port " + port + ": a process speaks rendezvous protocol 1 but rank 0 speaks " + Rendezvous.VERSION
                    + " (are all nodes running the same version of eve?)", heard);
            assertEquals(heard, failure(zero).getMessage());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRankWaitsForTheAnswerUntilItsDeadlineThenSaysSo() throws Exception {
        // A rank 0 that accepts the hello and never answers (waiting for a rank that never comes).
        try (ServerSocket silent = new ServerSocket(0)) {
            int port = silent.getLocalPort();
            long start = System.nanoTime();
            DistConfigException e = assertThrows(DistConfigException.class,
                    () -> Rendezvous.exchange(env(port, 1, 3), gpus(2), () -> null, Duration.ofMillis(1200)));
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertEquals("rank 1: rank 0 at 127.0.0.1:" + port + " did not answer within 1.2 s (it answers once all 3 ranks have connected: is every process started?)",
                    e.getMessage());
            assertTrue(tookMs >= 1000 && tookMs < 8000, "waited until the deadline: " + tookMs + " ms");
        }
    }

    @Test
    void anAgreementIsOneLineWithAPlaceForTheValue() {
        assertEquals("rank 3 drives 2 GPU(s) but rank 0 drives 4 GPU(s): every node must use the same number (--dist cuda:N)",
                gpus(4).differenceFrom(3, "2"));
        assertEquals(null, gpus(4).differenceFrom(3, "4"));
        assertThrows(IllegalArgumentException.class, () -> new Agreement("a\nb", "has %s", ""));
        assertThrows(IllegalArgumentException.class, () -> new Agreement("1", "has", ""));
        assertThrows(IllegalArgumentException.class, () -> new Agreement("x".repeat(Agreement.MAX_VALUE_CHARS + 1), "has %s", ""));
    }

    /** Connects to rank 0's port, retrying while it does not listen yet. */
    private static Socket connect(int port) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try {
                return new Socket("127.0.0.1", port);
            } catch (java.net.ConnectException e) {
                if (attempt > 200) throw e;
                Thread.sleep(50);
            }
        }
    }
}
