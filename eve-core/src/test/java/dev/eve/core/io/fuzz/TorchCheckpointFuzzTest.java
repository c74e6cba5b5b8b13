package dev.eve.core.io.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.eve.core.io.CheckpointException;
import dev.eve.core.io.StateDicts;
import dev.eve.core.io.TorchCheckpoint;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

/**
 * PyTorch {@code .pth} files, whole (zip directory, entry names and sizes, byte order, pickle,
 * storages): {@link TorchCheckpoint#load}, {@link TorchCheckpoint#topLevelKeys},
 * {@link TorchCheckpoint#loadEntry} and {@link StateDicts#load} either succeed or throw a one-line
 * {@link CheckpointException} naming the file. Seeds: {@code TorchCheckpointFuzzTestInputs/}.
 * {@link PickleFuzzTest} mutates the pickle alone, inside a well-formed zip.
 */
class TorchCheckpointFuzzTest {

    /**
     * Budget per byte of file: storages are at most the file's bytes, widened up to 8 times (BOOL to
     * long); a pickle builds at most a few dozen bytes of objects per opcode byte.
     */
    static final long BYTES_PER_FILE_BYTE = 256;

    @FuzzTest(maxDuration = "30s")
    @Timeout(10)
    void load(byte[] data) {
        Path p = LoaderFuzzing.write("fuzz.pth", data);
        LoaderFuzzing.check(p, BYTES_PER_FILE_BYTE, () -> TorchCheckpoint.load(p), CheckpointException.class);
        LoaderFuzzing.check(p, BYTES_PER_FILE_BYTE, () -> TorchCheckpoint.topLevelKeys(p), CheckpointException.class);
        LoaderFuzzing.check(p, BYTES_PER_FILE_BYTE, () -> TorchCheckpoint.loadEntry(p, "model"), CheckpointException.class);
        LoaderFuzzing.check(p, BYTES_PER_FILE_BYTE, () -> StateDicts.load(p), CheckpointException.class);
    }
}
