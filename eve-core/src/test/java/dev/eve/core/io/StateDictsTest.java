package dev.eve.core.io;

import dev.eve.core.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Format detection and garbage input for {@link StateDicts}. */
class StateDictsTest {

    @TempDir
    Path tmp;

    private CheckpointException refused(Path p, String fragment) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDicts.load(p));
        String m = e.getMessage();
        assertTrue(m.startsWith(p.toString()), m);
        assertTrue(m.contains(p.getFileName().toString()), m);
        assertFalse(m.contains("\n"), m);
        assertTrue(m.contains(fragment), "expected '" + fragment + "' in: " + m);
        return e;
    }

    @Test
    void emptyFile() throws IOException {
        Path p = Files.write(tmp.resolve("empty.pth"), new byte[0]);
        refused(p, "empty file");
        refused(Files.write(tmp.resolve("empty.safetensors"), new byte[0]), "empty file");
    }

    @Test
    void missingFile() {
        refused(tmp.resolve("nope.pth"), "no such file");
    }

    @Test
    void randomBytes() throws IOException {
        Random r = new Random(3);
        for (int i = 0; i < 50; i++) {
            byte[] b = new byte[1 + r.nextInt(2000)];
            r.nextBytes(b);
            Path p = Files.write(tmp.resolve("random" + i + ".bin"), b);
            CheckpointException e = assertThrows(CheckpointException.class, () -> StateDicts.load(p));
            assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        byte[] b = new byte[100];
        r.nextBytes(b);
        b[0] = 0x13; // neither zip, pickle nor safetensors
        b[8] = 0x00;
        refused(Files.write(tmp.resolve("noise.bin"), b), "neither a PyTorch checkpoint (zip) nor a safetensors file");
    }

    @Test
    void textFile() throws IOException {
        Path p = Files.writeString(tmp.resolve("notes.pth"), "These are not the weights you are looking for.\n");
        refused(p, "neither a PyTorch checkpoint (zip) nor a safetensors file");
        Path json = Files.writeString(tmp.resolve("config.safetensors"), "{\"vision_width\": 64}\n");
        refused(json, "neither");
    }

    @Test
    void safetensorsHeaderClaimingMoreThanTheFile() throws IOException {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1000,1000],\"data_offsets\":[0,4000000]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(new byte[16]);
        Path p = Files.write(tmp.resolve("liar.safetensors"), b.array());
        refused(p, "'w'");
        // a header length larger than the file
        ByteBuffer c = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN);
        c.putLong(1L << 40).put(h);
        refused(Files.write(tmp.resolve("liar2.safetensors"), c.array()), "header length");
    }

    @Test
    void zipsThatAreNotCheckpoints() throws IOException {
        Path jar = tmp.resolve("lib.pth");
        try (OutputStream o = Files.newOutputStream(jar); ZipOutputStream z = new ZipOutputStream(o)) {
            z.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            z.write("Manifest-Version: 1.0\n".getBytes(StandardCharsets.US_ASCII));
        }
        refused(jar, "no '<name>/data.pkl' entry");
        Path script = tmp.resolve("scripted.pt");
        try (OutputStream o = Files.newOutputStream(script); ZipOutputStream z = new ZipOutputStream(o)) {
            z.putNextEntry(new ZipEntry("scripted/code/__torch__.py"));
            z.write("def forward(self): ...\n".getBytes(StandardCharsets.US_ASCII));
            z.putNextEntry(new ZipEntry("scripted/constants.pkl"));
            z.write(new byte[] {(byte) 0x80, 2, ')', '.'});
        }
        refused(script, "TorchScript");
        Path emptyZip = tmp.resolve("empty-zip.pth");
        try (OutputStream o = Files.newOutputStream(emptyZip); ZipOutputStream z = new ZipOutputStream(o)) {
            z.finish();
        }
        refused(emptyZip, "data.pkl");
    }

    @Test
    void plainAndLegacyPickles() throws IOException {
        refused(Files.write(tmp.resolve("plain.pkl"), new byte[] {(byte) 0x80, 4, 'N', '.'}), "plain pickle");
        byte[] tar = new byte[1024];
        System.arraycopy("ustar".getBytes(StandardCharsets.US_ASCII), 0, tar, 257, 5);
        refused(Files.write(tmp.resolve("ancient.pth"), tar), "legacy (pre-1.6)");
    }

    @Test
    void detectsFormatsByContent() throws IOException {
        Map<String, Tensor> sd = TorchCheckpointTest.sampleStateDict();
        Path st = tmp.resolve("model.weights");
        SafeTensors.save(st, sd);
        assertEquals(StateDicts.Format.SAFETENSORS, StateDicts.detect(st));
        assertEquals(new ArrayList<>(sd.keySet()), new ArrayList<>(StateDicts.load(st).keySet()));
        Path pt = tmp.resolve("model.pt");
        StateDicts.save(pt, sd);
        assertEquals(StateDicts.Format.PYTORCH, StateDicts.detect(pt));
        assertEquals(List.copyOf(sd.keySet()), List.copyOf(StateDicts.load(pt).keySet()));
        CheckpointException e = assertThrows(CheckpointException.class, () -> StateDicts.save(tmp.resolve("model.h5"), sd));
        assertTrue(e.getMessage().contains("model.h5"), e.getMessage());
    }
}
