package dev.eve.cuda.dist;

import java.util.Map;

/**
 * Where this process sits in a data-parallel job, read from the variables torchrun sets:
 * {@code MASTER_ADDR}, {@code MASTER_PORT}, {@code RANK}, {@code WORLD_SIZE} and {@code LOCAL_RANK}
 * (the GPU index on this machine; defaults to {@code RANK}, right for one machine). Without
 * {@code WORLD_SIZE}, or with 1, the job is a single process and the master is not needed.
 *
 * @param masterAddr host name or address of rank 0's rendezvous server
 * @param masterPort its TCP port
 * @param rank       this process, in [0, worldSize)
 * @param worldSize  number of processes
 * @param localRank  the GPU this process uses
 */
public record DistEnv(String masterAddr, int masterPort, int rank, int worldSize, int localRank) {

    public DistEnv {
        if (worldSize < 1) throw new DistConfigException("WORLD_SIZE must be >= 1, got " + worldSize);
        if (rank < 0 || rank >= worldSize)
            throw new DistConfigException("RANK must be in [0, WORLD_SIZE) = [0, " + worldSize + "), got " + rank);
        if (localRank < 0) throw new DistConfigException("LOCAL_RANK must be >= 0, got " + localRank);
        if (worldSize > 1) {
            if (masterAddr == null || masterAddr.isBlank())
                throw new DistConfigException("MASTER_ADDR is not set (needed when WORLD_SIZE = " + worldSize + " > 1): the host of rank 0");
            if (masterPort < 1 || masterPort > 65535)
                throw new DistConfigException("MASTER_PORT must be in [1, 65535], got " + masterPort);
        }
    }

    /** A single-process job (rank 0 of 1 on GPU 0). */
    public static DistEnv single() {
        return new DistEnv(null, 0, 0, 1, 0);
    }

    public boolean isDistributed() {
        return worldSize > 1;
    }

    /** From this process's environment. */
    public static DistEnv fromEnvironment() {
        return fromEnv(System.getenv());
    }

    /** From the given variables (the tests' entry). */
    public static DistEnv fromEnv(Map<String, String> env) {
        int world = integer(env, "WORLD_SIZE", 1);
        if (world < 1) throw new DistConfigException("WORLD_SIZE must be >= 1, got " + env.get("WORLD_SIZE").trim());
        if (world == 1) {
            int rank = integer(env, "RANK", 0);
            int local = integer(env, "LOCAL_RANK", rank);
            return new DistEnv(trimmed(env, "MASTER_ADDR"), 0, rank, 1, local);
        }
        if (!present(env, "RANK")) throw new DistConfigException("RANK is not set (needed when WORLD_SIZE = " + world + " > 1)");
        int rank = integer(env, "RANK", 0);
        if (!present(env, "MASTER_PORT"))
            throw new DistConfigException("MASTER_PORT is not set (needed when WORLD_SIZE = " + world + " > 1): the TCP port rank 0 listens on");
        int port = integer(env, "MASTER_PORT", 0);
        int local = integer(env, "LOCAL_RANK", rank);
        return new DistEnv(trimmed(env, "MASTER_ADDR"), port, rank, world, local);
    }

    private static boolean present(Map<String, String> env, String key) {
        String v = env.get(key);
        return v != null && !v.isBlank();
    }

    private static String trimmed(Map<String, String> env, String key) {
        return present(env, key) ? env.get(key).trim() : null;
    }

    private static int integer(Map<String, String> env, String key, int fallback) {
        if (!present(env, key)) return fallback;
        String v = env.get(key).trim();
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new DistConfigException(key + " must be an integer, got '" + v + "'");
        }
    }

    @Override
    public String toString() {
        return "rank " + rank + " of " + worldSize + " (GPU " + localRank + ")" + (isDistributed() ? ", master " + masterAddr + ":" + masterPort : "");
    }
}
