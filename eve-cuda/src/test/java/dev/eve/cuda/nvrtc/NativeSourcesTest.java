package dev.eve.cuda.nvrtc;

import dev.eve.core.backend.BinaryOp;
import dev.eve.core.backend.ReduceOp;
import dev.eve.core.backend.UnaryOp;
import dev.eve.core.tensor.DType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The native/ folder ships on the class path, complete, and its op codes match the Java enums. */
class NativeSourcesTest {

    private static Path nativeDir() {
        Path p = Path.of("..", "native");
        if (!Files.isDirectory(p)) p = Path.of("native");
        assertTrue(Files.isDirectory(p), "native/ not found from " + Path.of("").toAbsolutePath());
        return p;
    }

    private static List<String> files(String ext) throws IOException {
        try (Stream<Path> s = Files.list(nativeDir())) {
            return s.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(ext)).sorted().toList();
        }
    }

    @Test
    void everyNativeSourceIsOnTheClassPath() throws IOException {
        List<String> cu = files(".cu");
        assertTrue(cu.containsAll(List.of("elementwise.cu", "reduce.cu", "index.cu", "conv.cu")), cu.toString());
        for (String f : cu) {
            String onDisk = Files.readString(nativeDir().resolve(f));
            assertEquals(onDisk, NativeSources.read(f), f + " on the class path differs from native/" + f);
            NativeSources.Source s = NativeSources.load(f); // every include resolves
            for (String h : s.headers().keySet()) assertTrue(h.endsWith(".cuh"), f + " includes " + h);
        }
        for (String h : files(".cuh")) assertNotNull(NativeSources.read(h));
    }

    @Test
    void missingSourceIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeSources.read("nope.cu"));
        assertTrue(e.getMessage().contains("eve/native/nope.cu"), e.getMessage());
    }

    @Test
    void sourcesIncludeOnlyLocalHeaders() throws IOException {
        Pattern any = Pattern.compile("^\\s*#\\s*include\\s*<", Pattern.MULTILINE);
        for (String f : Stream.concat(files(".cu").stream(), files(".cuh").stream()).toList()) {
            String text = Files.readString(nativeDir().resolve(f));
            assertFalse(any.matcher(text).find(), f + " includes a system header (NVRTC has none)");
        }
    }

    @Test
    void opCodesMatchTheJavaEnums() {
        String common = NativeSources.read("common.cuh");
        Map<String, Integer> defs = new HashMap<>();
        Matcher m = Pattern.compile("#define\\s+(EB_\\w+)\\s+(\\d+)").matcher(common);
        while (m.find()) defs.put(m.group(1), Integer.parseInt(m.group(2)));
        for (UnaryOp op : UnaryOp.values()) assertEquals(op.ordinal(), defs.get("EB_UNARY_" + op.name()), op.name());
        for (BinaryOp op : BinaryOp.values()) assertEquals(op.ordinal(), defs.get("EB_BINARY_" + op.name()), op.name());
        for (ReduceOp op : ReduceOp.values()) assertEquals(op.ordinal(), defs.get("EB_REDUCE_" + op.name()), op.name());
        for (DType t : DType.values()) assertEquals(t.ordinal(), defs.get("EB_" + t.name()), t.name());
    }

    @Test
    void includesAreParsed() {
        assertEquals(List.of("common.cuh", "x.cuh"), NativeSources.includes("#include \"common.cuh\"\n  # include \"x.cuh\"\n#include <y>"));
    }
}
