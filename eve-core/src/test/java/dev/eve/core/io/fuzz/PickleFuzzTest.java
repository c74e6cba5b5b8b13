package dev.eve.core.io.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.eve.core.io.CheckpointException;
import dev.eve.core.io.TorchCheckpoint;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The restricted unpickler, through the real loader: the fuzz bytes become {@code fuzz/data.pkl} of
 * an otherwise well-formed {@code torch.save} zip that also holds storages {@code 0}..{@code 3}
 * (16, 24, 8 and 1 bytes), so that persistent ids and tensor rebuilds can resolve. Every input
 * loads or is refused with a one-line {@link CheckpointException} naming the file; no global outside
 * the allowlist is ever resolved (they are refused by name). Seeds (bare pickles, protocols 0 to
 * 5, and hostile ones): {@code PickleFuzzTestInputs/}.
 */
class PickleFuzzTest {

    static final byte[][] STORAGES = {new byte[16], new byte[24], new byte[8], new byte[1]};

    @FuzzTest(maxDuration = "30s")
    @Timeout(10)
    void unpickle(byte[] pickle) {
        Path p = LoaderFuzzing.write("fuzz.pth", checkpoint("fuzz", pickle, STORAGES));
        LoaderFuzzing.check(p, TorchCheckpointFuzzTest.BYTES_PER_FILE_BYTE, () -> TorchCheckpoint.load(p), CheckpointException.class);
    }

    /** A stored zip as torch.save writes it: STEM/data.pkl, STEM/byteorder, STEM/data/i, STEM/version. */
    static byte[] checkpoint(String stem, byte[] pickle, byte[][] storages) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes, StandardCharsets.UTF_8)) {
            stored(zip, stem + "/data.pkl", pickle);
            stored(zip, stem + "/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < storages.length; i++) stored(zip, stem + "/data/" + i, storages[i]);
            stored(zip, stem + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }
}
