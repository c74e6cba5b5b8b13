package dev.eve.cuda.dist;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DistEnvTest {

    @Test
    void torchrunVariablesAreRead() {
        DistEnv e = DistEnv.fromEnv(Map.of("MASTER_ADDR", " node0 ", "MASTER_PORT", "29500", "RANK", "3", "WORLD_SIZE", "8", "LOCAL_RANK", "1"));
        assertEquals(new DistEnv("node0", 29500, 3, 8, 1), e);
        assertTrue(e.isDistributed());
    }

    @Test
    void localRankDefaultsToRankAndNothingIsNeededForOneProcess() {
        assertEquals(2, DistEnv.fromEnv(Map.of("MASTER_ADDR", "h", "MASTER_PORT", "1", "RANK", "2", "WORLD_SIZE", "4")).localRank());
        DistEnv single = DistEnv.fromEnv(Map.of());
        assertEquals(DistEnv.single(), single);
        assertFalse(single.isDistributed());
        assertEquals(1, DistEnv.fromEnv(Map.of("WORLD_SIZE", "1", "LOCAL_RANK", "1")).localRank());
    }

    private static String error(Map<String, String> env) {
        String m = assertThrows(DistConfigException.class, () -> DistEnv.fromEnv(env)).getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        return m;
    }

    @Test
    void mistakesGetOneLineErrorsNamingTheVariable() {
        assertTrue(error(Map.of("WORLD_SIZE", "two")).startsWith("WORLD_SIZE must be an integer, got 'two'"));
        assertTrue(error(Map.of("WORLD_SIZE", "0")).startsWith("WORLD_SIZE must be >= 1"));
        assertTrue(error(Map.of("WORLD_SIZE", "2", "MASTER_ADDR", "h", "MASTER_PORT", "1")).startsWith("RANK is not set"));
        assertTrue(error(Map.of("WORLD_SIZE", "2", "RANK", "2", "MASTER_ADDR", "h", "MASTER_PORT", "1")).startsWith("RANK must be in [0, WORLD_SIZE) = [0, 2), got 2"));
        assertTrue(error(Map.of("WORLD_SIZE", "2", "RANK", "1", "MASTER_PORT", "1")).startsWith("MASTER_ADDR is not set"));
        assertTrue(error(Map.of("WORLD_SIZE", "2", "RANK", "1", "MASTER_ADDR", "h")).startsWith("MASTER_PORT is not set"));
        assertTrue(error(Map.of("WORLD_SIZE", "2", "RANK", "1", "MASTER_ADDR", "h", "MASTER_PORT", "70000")).startsWith("MASTER_PORT must be in [1, 65535]"));
        assertTrue(error(Map.of("WORLD_SIZE", "2", "RANK", "1", "MASTER_ADDR", "h", "MASTER_PORT", "1", "LOCAL_RANK", "-1")).startsWith("LOCAL_RANK must be >= 0"));
    }
}
