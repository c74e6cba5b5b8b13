package dev.eve.cuda.dist;

import org.junit.jupiter.api.Test;

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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The unique-id exchange between threads on localhost, each playing one rank. */
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
            assertArrayEquals(secret(), one.get(10, TimeUnit.SECONDS));
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
            ExecutionException server = assertThrows(ExecutionException.class, () -> zero.get(10, TimeUnit.SECONDS));
            assertInstanceOf(DistConfigException.class, server.getCause());
            assertTrue(server.getCause().getMessage().contains("WORLD_SIZE=3"), server.getCause().getMessage());
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
}
