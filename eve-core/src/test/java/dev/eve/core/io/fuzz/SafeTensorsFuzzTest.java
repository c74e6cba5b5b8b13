package dev.eve.core.io.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.eve.core.io.CheckpointException;
import dev.eve.core.io.SafeTensors;
import dev.eve.core.io.StateDicts;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

/**
 * {@code .safetensors} files: {@link SafeTensors#load} and {@link StateDicts#load} (format
 * detection) either read the file or throw a one-line {@link CheckpointException} naming it.
 * Seeds: {@code SafeTensorsFuzzTestInputs/}.
 */
class SafeTensorsFuzzTest {

    @FuzzTest(maxDuration = "30s")
    @Timeout(10)
    void load(byte[] data) {
        Path p = LoaderFuzzing.write("fuzz.safetensors", data);
        // Tensors are widened to at most 8 bytes per element of at least 1 byte (BOOL -> long).
        LoaderFuzzing.check(p, 16, () -> SafeTensors.load(p), CheckpointException.class);
        LoaderFuzzing.check(p, 16, () -> StateDicts.load(p), CheckpointException.class);
    }
}
