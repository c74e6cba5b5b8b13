package dev.eve.core.io;

import dev.eve.core.backend.cpu.CpuStorage;
import dev.eve.core.io.RestrictedUnpickler.StorageRef;
import dev.eve.core.io.RestrictedUnpickler.StorageType;
import dev.eve.core.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile and broken checkpoints: every one must fail with a one-line {@link CheckpointException}
 * that names the file and the culprit, and nothing may run (payloads try to create a marker file).
 */
class UnpicklerSecurityTest {

    /** The marker the Python-made payloads below would create if anything executed them. */
    static final Path PY_MARKER = Path.of("/tmp/eve-unpickler-pwned");

    // Made with CPython 3 from `class E: __reduce__ = lambda s: (f, args)`; `pickle.dumps(..., protocol=p).hex()`.
    /** {@code {'model': {'w': os.system('touch /tmp/eve-unpickler-pwned')}}}, protocol 2 (GLOBAL 'posix system'). */
    static final String POSIX_SYSTEM_P2 = "80027d710058050000006d6f64656c71017d7102580100000077710363706f7369780a73797374656d0a7104581e00"
            + "0000746f756368202f746d702f6576652d756e7069636b6c65722d70776e6564710585710652710773732e";
    /** os.system, protocol 0 (text GLOBAL, UNICODE, PUT). */
    static final String POSIX_SYSTEM_P0 = "63706f7369780a73797374656d0a70300a2856746f756368202f746d702f6576652d756e7069636b6c65722d7077"
            + "6e65640a70310a7470320a5270330a2e";
    /** os.system, protocol 4 (FRAME, STACK_GLOBAL, MEMOIZE). */
    static final String POSIX_SYSTEM_P4 = "80049539000000000000008c05706f736978948c0673797374656d9493948c1e746f756368202f746d702f657665"
            + "2d756e7069636b6c65722d70776e656494859452942e";
    /** builtins.eval("__import__('os').system('touch ...')"), protocol 5 (STACK_GLOBAL). */
    static final String EVAL_P5 = "80059555000000000000008c086275696c74696e73948c046576616c9493948c395f5f696d706f72745f5f28276f7327292e73"
            + "797374656d2827746f756368202f746d702f6576652d756e7069636b6c65722d70776e6564272994859452942e";
    /** subprocess.Popen(['touch', '/tmp/eve-unpickler-pwned']), protocol 3. */
    static final String POPEN_P3 = "80036373756270726f636573730a506f70656e0a71005d7101285805000000746f756368710258180000002f746d702f65"
            + "76652d756e7069636b6c65722d70776e65647103658571045271052e";

    @TempDir
    Path tmp;
    Path marker;

    @BeforeEach
    void setUp() throws IOException {
        marker = tmp.resolve("pwned");
        Files.deleteIfExists(PY_MARKER);
    }

    @AfterEach
    void nothingRan() {
        assertFalse(Files.exists(marker), "a payload ran: " + marker + " exists");
        assertFalse(Files.exists(PY_MARKER), "a payload ran: " + PY_MARKER + " exists");
    }

    // ================================================================= forbidden globals

    @Test
    void pythonMadePayloadsAreRefusedAtTheGlobal() throws IOException {
        Object[][] cases = {
                {POSIX_SYSTEM_P2, "posix.system"}, {POSIX_SYSTEM_P0, "posix.system"}, {POSIX_SYSTEM_P4, "posix.system"},
                {EVAL_P5, "builtins.eval"}, {POPEN_P3, "subprocess.Popen"}};
        int i = 0;
        for (Object[] c : cases) {
            Path p = checkpoint("py" + i++ + ".pth", HexFormat.of().parseHex((String) c[0]), Map.of());
            assertRefusedGlobal(p, (String) c[1]);
        }
    }

    @Test
    void everyOtherGlobalIsRefused() throws IOException {
        String touch = "touch " + marker;
        String[][] globals = {
                {"os", "system"}, {"posix", "system"}, {"nt", "system"}, {"builtins", "eval"}, {"builtins", "exec"},
                {"builtins", "getattr"}, {"builtins", "__import__"}, {"builtins", "open"}, {"__builtin__", "eval"},
                {"__builtin__", "getattr"}, {"subprocess", "Popen"}, {"subprocess", "check_output"}, {"os", "popen"},
                {"numpy.core.multiarray", "_reconstruct"}, {"numpy", "dtype"}, {"__main__", "Config"}, {"copyreg", "_reconstructor"},
                {"copy_reg", "_reconstructor"}, {"functools", "partial"}, {"pickle", "loads"}, {"torch", "load"},
                {"torch.storage", "_load_from_bytes"}, {"torch._utils", "_rebuild_qtensor"}, {"torch.nn.modules.linear", "Linear"},
                {"collections", "defaultdict"}, {"builtins", "dict"}, {"torch", "_utils._rebuild_tensor_v2"},
                {"collections.OrderedDict", "__init__"}, {"torch", "Tensor"}, {"torch", "FloatStorage.from_file"}};
        for (String[] g : globals) {
            // protocol 2 GLOBAL + REDUCE, nested in a state dict
            byte[] p2 = new Pk().proto(2).op('}').str("model").op('}').str("w")
                    .global(g[0], g[1]).str(touch).op(0x85).op('R').op('s').op('s').stop();
            assertRefusedGlobal(checkpoint("g2.pth", p2, Map.of()), g[0] + "." + g[1]);
            // protocol 4 STACK_GLOBAL
            byte[] p4 = new Pk().proto(4).op(0x8c).shortStr(g[0]).op(0x8c).shortStr(g[1]).op(0x93).str(touch).op(0x85).op('R').stop();
            assertRefusedGlobal(checkpoint("g4.pth", p4, Map.of()), g[0] + "." + g[1]);
        }
    }

    @Test
    void reduceHiddenDeepInsideAValidStateDictIsRefused() throws IOException {
        // OrderedDict{'a': <a valid tensor>, 'b': [{'c': (posix.system('touch ...'),)}]}: the tensor is fine,
        // the payload sits three containers down and must still be refused at its GLOBAL.
        Pk pk = new Pk().proto(2).op('}').str("model").global("collections", "OrderedDict").op(')').op('R')
                .op('(').str("a").tensor("0", "FloatStorage", 4, 0, new int[] {2, 2}, new int[] {2, 1})
                .str("b").op(']').op('}').str("c").global("posix", "system").str("touch " + marker).op(0x85).op('R').op(0x85)
                .op('s').op('a').op('u').op('s');
        Path p = checkpoint("deep.pth", pk.stop(), Map.of("0", new byte[16]));
        assertRefusedGlobal(p, "posix.system");
        // and without the payload the same file loads
        Pk ok = new Pk().proto(2).op('}').str("model").global("collections", "OrderedDict").op(')').op('R')
                .op('(').str("a").tensor("0", "FloatStorage", 4, 0, new int[] {2, 2}, new int[] {2, 1}).op('u').op('s');
        assertEquals(List.of("a"), List.copyOf(TorchCheckpoint.loadStateDict(checkpoint("fine.pth", ok.stop(), Map.of("0", new byte[16]))).keySet()));
    }

    @Test
    void allowlistedNamesCannotBeMisused() throws IOException {
        // calling a storage type (it is only a tag in persistent ids)
        assertRefused(checkpoint("call.pth", new Pk().proto(2).global("torch", "FloatStorage").str("/etc/passwd").op(0x85).op('R').stop(), Map.of()),
                "REDUCE cannot call global torch.FloatStorage");
        // BUILD (setattr / __setstate__) on anything but an OrderedDict
        assertRefused(checkpoint("build.pth", new Pk().proto(2).op('}').op('}').op('b').stop(), Map.of()), "BUILD");
        assertRefused(checkpoint("build2.pth", new Pk().proto(2).op(']').op('}').op('b').stop(), Map.of()), "BUILD");
        // NEWOBJ of a storage type
        assertRefused(checkpoint("newobj.pth", new Pk().proto(2).global("torch", "LongStorage").op(')').op(0x81).stop(), Map.of()),
                "NEWOBJ cannot instantiate");
        // bytearray(huge int) would allocate: refused
        assertRefused(checkpoint("ba.pth", new Pk().proto(2).global("builtins", "bytearray").op('J').le(0x7fffffff, 4).op(0x85).op('R').stop(), Map.of()),
                "bytearray()");
        // the rebuild functions only accept storages
        assertRefused(checkpoint("rb.pth", new Pk().proto(2).global("torch._utils", "_rebuild_tensor_v2")
                .op('(').str("x").int1(0).op(')').op(')').op(0x89).op('}').op('t').op('R').stop(), Map.of()), "needs a storage");
    }

    @Test
    void forbiddenOpcodesAreRefused() throws IOException {
        Object[][] cases = {
                {new Pk().op('(').raw("S'touch x'\n").raw("ios\nsystem\n").stop(), "INST"},
                {new Pk().proto(2).global("collections", "OrderedDict").op('(').op('o').stop(), "OBJ"},
                {new Pk().proto(2).op(0x82).op(1).stop(), "EXT1"},
                {new Pk().proto(2).op(0x83).le(1, 2).stop(), "EXT2"},
                {new Pk().proto(2).op(0x84).le(1, 4).stop(), "EXT4"},
                {new Pk().proto(5).op(0x97).stop(), "NEXT_BUFFER"},
                {new Pk().proto(5).op('}').op(0x98).stop(), "READONLY_BUFFER"},
                {new Pk().proto(2).op(0xff).stop(), "unknown pickle opcode 0xff"},
                {new Pk().proto(6).op('N').stop(), "protocol 6"},
        };
        for (Object[] c : cases) assertRefused(checkpoint("op.pth", (byte[]) c[0], Map.of()), (String) c[1]);
    }

    // ================================================================= persistent ids and zip entries

    @Test
    void persistentIdsMustNameExistingPlainEntries() throws IOException {
        Map<String, byte[]> data = Map.of("0", new byte[16]);
        for (String key : List.of("../etc/passwd", "/etc/passwd", "a/b", "..\\..\\x", "..", "")) {
            Path p = checkpoint("key.pth", tensorPickle(key, "FloatStorage", 4, new int[] {4}), data);
            CheckpointException e = assertRefused(p, "refusing storage key '" + key + "'");
            assertTrue(e.getMessage().contains("data.pkl"), e.getMessage());
        }
        assertRefused(checkpoint("missing.pth", tensorPickle("7", "FloatStorage", 4, new int[] {4}), data),
                "storage '7' has no entry 'ckpt/data/7'");
        // a persistent id that is not a storage tuple
        assertRefused(checkpoint("pid.pth", new Pk().proto(2).str("/etc/passwd").op('Q').stop(), data), "unsupported persistent id");
        assertRefused(checkpoint("pid0.pth", new Pk().raw("P/etc/passwd\n").stop(), data), "unsupported persistent id");
        assertRefused(checkpoint("pidtype.pth", new Pk().proto(2).op('(').str("storage").str("FloatStorage").str("0").str("cpu").int1(4)
                .op('t').op('Q').stop(), data), "instead of a torch storage type");
    }

    @Test
    void storageSizesAreCheckedBeforeAllocating() throws IOException {
        // declared numel larger than the entry
        assertRefused(checkpoint("big.pth", tensorPickle("0", "FloatStorage", 100, new int[] {100}), Map.of("0", new byte[16])),
                "entry 'ckpt/data/0' has 16 bytes but its torch.FloatStorage of 100 elements needs 400");
        // smaller
        assertRefused(checkpoint("small.pth", tensorPickle("0", "LongStorage", 1, new int[] {1}), Map.of("0", new byte[16])),
                "entry 'ckpt/data/0' has 16 bytes");
        // absurd numel (would be 8 TiB)
        byte[] huge = new Pk().proto(2).global("torch._utils", "_rebuild_tensor_v2").op('(')
                .op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").op(0x8a).op(6).raw(new byte[] {0, 0, 0, 0, 0, 2}).op('t').op('Q')
                .int1(0).op(')').op(')').op(0x89).op('}').op('t').op('R').stop();
        assertRefused(checkpoint("huge.pth", huge, Map.of("0", new byte[16])), "entry 'ckpt/data/0' has 16 bytes");
        // one key used with two element types
        byte[] twoTypes = new Pk().proto(2).op(']').op('(')
                .tensor("0", "FloatStorage", 4, 0, new int[] {4}, new int[] {1})
                .tensor("0", "IntStorage", 4, 0, new int[] {4}, new int[] {1}).op('e').stop();
        assertRefused(checkpoint("types.pth", twoTypes, Map.of("0", new byte[16])), "storage '0' is referenced as torch.FloatStorage");
        // a view that reaches past its storage
        byte[] view = new Pk().proto(2).tensor("0", "FloatStorage", 4, 2, new int[] {3}, new int[] {1}).stop();
        assertRefused(checkpoint("view.pth", view, Map.of("0", new byte[16])), "tensor of shape [3]");
        byte[] view2 = new Pk().proto(2).tensor("0", "FloatStorage", 4, 0, new int[] {2, 3}, new int[] {3, 1}).stop();
        assertRefused(checkpoint("view2.pth", view2, Map.of("0", new byte[16])), "tensor of shape [2, 3]");
        byte[] rank = new Pk().proto(2).tensor("0", "FloatStorage", 4, 0, new int[] {2, 2}, new int[] {1}).stop();
        assertRefused(checkpoint("rank.pth", rank, Map.of("0", new byte[16])), "has 1 strides");
        // a view inside its storage is fine and shares it
        byte[] ok = new Pk().proto(2).op(']').op('(')
                .tensor("0", "FloatStorage", 4, 1, new int[] {3}, new int[] {1})
                .tensor("0", "FloatStorage", 4, 0, new int[] {2, 2}, new int[] {1, 2}).op('e').stop();
        List<?> l = assertInstanceOf(List.class, TorchCheckpoint.load(checkpoint("ok.pth", ok, Map.of("0", floats(1, 2, 3, 4)))));
        Tensor a = (Tensor) l.get(0), b = (Tensor) l.get(1);
        assertEquals(List.of(2f, 3f, 4f), boxed(a.toFloatArray()));
        assertEquals(List.of(1f, 3f, 2f, 4f), boxed(b.toFloatArray()));
        assertTrue(a.storage() == b.storage());
    }

    @Test
    void entrySizeClaimingMoreThanTheFileIsRefused() throws IOException {
        // A stored entry whose directory records claim 1 GiB: refused before anything is allocated.
        Path p = checkpoint("lie.pth", tensorPickle("0", "FloatStorage", 1 << 28, new int[] {4}), Map.of("0", new byte[16]), true);
        byte[] raw = Files.readAllBytes(p);
        patchSizes(raw, "ckpt/data/0", 1 << 30);
        Files.write(p, raw);
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpoint.load(p));
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("more bytes than the file holds") || e.getMessage().contains("ckpt/data/0"), e.getMessage());
    }

    @Test
    void dangerousEntryNamesAreRefusedEvenWhenUnused() throws IOException {
        byte[] pkl = new Pk().proto(2).op('}').stop();
        for (String evil : List.of("../evil", "/abs", "ckpt/../../evil", "ckpt/data/../../x", "\\abs", "C:/windows/x")) {
            Map<String, byte[]> entries = new LinkedHashMap<>();
            entries.put("ckpt/data.pkl", pkl);
            entries.put(evil, new byte[] {1});
            Path p = zip("names.pth", entries, false);
            assertRefused(p, "refusing zip entry '" + evil + "'");
        }
    }

    @Test
    void truncatedAndCorruptZipsAreRefused() throws IOException {
        Path good = tmp.resolve("good.pth");
        TorchCheckpoint.save(good, TorchCheckpointTest.sampleStateDict());
        byte[] raw = Files.readAllBytes(good);
        for (int cut : new int[] {0, 1, 4, 30, 100, raw.length / 3, raw.length / 2, raw.length - 100, raw.length - 22, raw.length - 1}) {
            Path p = tmp.resolve("cut.pth");
            Files.write(p, Arrays.copyOf(raw, cut));
            CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpoint.load(p), "cut at " + cut);
            assertOneLineNaming(e, p);
        }
        // flipped bytes anywhere: a clean error or (if the flip hits padding/metadata) a successful load
        Random r = new Random(7);
        for (int i = 0; i < 200; i++) {
            byte[] bad = raw.clone();
            int at = r.nextInt(bad.length);
            bad[at] ^= (byte) (1 + r.nextInt(255));
            Path p = tmp.resolve("flip.pth");
            Files.write(p, bad);
            try {
                TorchCheckpoint.load(p);
            } catch (CheckpointException e) {
                assertOneLineNaming(e, p);
            }
        }
    }

    // ================================================================= malformed pickles

    @Test
    void truncatedPicklesFailCleanly() throws IOException {
        byte[] pkl = stateDictPickle();
        Path full = checkpoint("full.pth", pkl, Map.of("0", new byte[16], "1", new byte[24]));
        assertEquals(2, TorchCheckpoint.loadStateDict(full).size());
        for (int cut = 0; cut < pkl.length; cut++) {
            byte[] part = Arrays.copyOf(pkl, cut);
            CheckpointException e = assertThrows(CheckpointException.class, () -> unpickle(part), "cut at " + cut);
            assertTrue(e.getMessage().startsWith("mem.pkl: data.pkl: "), e.getMessage());
        }
        assertRefused(checkpoint("cut.pth", Arrays.copyOf(pkl, pkl.length / 2), Map.of("0", new byte[16], "1", new byte[24])), "truncated");
    }

    @Test
    void mutatedPicklesNeverEscapeAsOtherExceptions() {
        byte[] pkl = stateDictPickle();
        Random r = new Random(1);
        for (int i = 0; i < 5000; i++) {
            byte[] bad = pkl.clone();
            int flips = 1 + r.nextInt(3);
            for (int f = 0; f < flips; f++) bad[r.nextInt(bad.length)] = (byte) r.nextInt(256);
            try {
                unpickle(bad);
            } catch (CheckpointException e) {
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
            }
        }
    }

    @Test
    void absurdLengthsAreRejectedBeforeAllocation() throws IOException {
        Object[][] cases = {
                {new Pk().proto(2).op(0x8b).le(0x7fffffff, 4).raw(new byte[8]).stop(), "LONG4 integer of 2147483647 bytes is too large"},
                {new Pk().proto(2).op(0x8b).le(1000, 4).raw(new byte[8]).stop(), "truncated"},
                {new Pk().proto(2).op(0x8b).le(-5, 4).stop(), "negative LONG4 length"},
                {new Pk().proto(2).op('X').le(0xffffffffL, 4).raw("abc").stop(), "needs 4294967295 bytes"},
                {new Pk().proto(2).op('X').le(100, 4).raw("abc").stop(), "needs 100 bytes"},
                {new Pk().proto(4).op(0x8d).le(-1L, 8).raw("abc").stop(), "length 18446744073709551615"},
                {new Pk().proto(4).op(0x8d).le(1L << 40, 8).raw("abc").stop(), "needs 1099511627776 bytes"},
                {new Pk().proto(4).op(0x8e).le(1L << 62, 8).stop(), "needs 4611686018427387904 bytes"},
                {new Pk().proto(5).op(0x96).le(1L << 33, 8).stop(), "needs 8589934592 bytes"},
                {new Pk().proto(3).op('B').le(0xfffffff0L, 4).stop(), "needs 4294967280 bytes"},
                {new Pk().proto(2).op('T').le(-1, 4).stop(), "negative BINSTRING length"},
                {new Pk().proto(4).op(0x95).le(1L << 50, 8).op('N').stop(), "truncated"},
                {new Pk().raw("I" + "9".repeat(100_000) + "\n").stop(), "digits is too long"},
                {new Pk().raw("I12x\n").stop(), "bad integer"},
                {new Pk().raw("F1.0.0\n").stop(), "bad float"},
                {new Pk().raw("Sunquoted\n").stop(), "must be quoted"},
                {new Pk().raw("Vab\\u12\n").stop(), "escape in UNICODE"},
                {new Pk().raw("cos").stop(), "no end of line"},
        };
        for (Object[] c : cases) assertRefused(checkpoint("len.pth", (byte[]) c[0], Map.of()), (String) c[1]);
    }

    @Test
    void stackAndMemoAbuseIsRefused() throws IOException {
        Object[][] cases = {
                {new Pk().proto(2).stop(), "stack underflow"},
                {new Pk().proto(2).op('a').stop(), "stack underflow"},
                {new Pk().proto(2).op('N').op('(').op('a').stop(), "stack underflow"}, // cannot reach below a mark
                {new Pk().proto(2).op('N').op('t').stop(), "no MARK"},
                {new Pk().proto(2).op('1').stop(), "no MARK"},
                {new Pk().proto(2).op('N').op('R').stop(), "stack underflow"},
                {new Pk().proto(2).op('h').op(5).stop(), "memo entry 5 is missing"},
                {new Pk().proto(2).op('j').le(0xffffffffL, 4).stop(), "memo entry 4294967295 is missing"},
                {new Pk().raw("g99999999999999999999\n").stop(), "bad memo index"},
                {new Pk().proto(2).op('q').op(0).stop(), "stack underflow"},
                {new Pk().proto(2).op(')').op('N').op('a').stop(), "APPEND needs a list"},
                {new Pk().proto(2).op(']').op('N').op('N').op('s').stop(), "SETITEM needs a dict"},
                {new Pk().proto(2).op('(').op('N').op('d').stop(), "odd number of items"},
                {new Pk().proto(2).op('}').op(']').op('N').op('s').stop(), "unhashable or too large dict key"},
                {new Pk().proto(4).op(0x8f).op('(').op('}').op(0x90).stop(), "unhashable or too large set element"},
                {new Pk().proto(4).op(0x8c).shortStr("os").op(0x4b).op(1).op(0x93).stop(), "STACK_GLOBAL needs two strings"},
        };
        for (Object[] c : cases) assertRefused(checkpoint("stack.pth", (byte[]) c[0], Map.of()), (String) c[1]);
        // a key too large to hash cheaply (Java does not cache tuple hashes)
        Pk bigKey = new Pk().proto(2).op('}').op('(');
        for (int i = 0; i < 100; i++) bigKey.int1(i);
        assertRefused(checkpoint("bigkey.pth", bigKey.op('t').op('N').op('s').stop(), Map.of()), "too large dict key: a tuple of 100");
        // the opcode budget bounds what a small pickle can allocate
        byte[] many = new Pk().proto(2).op(']').op('(').raw("N".repeat(1000)).op('e').stop();
        assertEquals(1000, ((List<?>) new RestrictedUnpickler("f", "data.pkl", many, null).load()).size());
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> new RestrictedUnpickler("f", "data.pkl", many, null).limitOpcodes(500).load());
        assertTrue(e.getMessage().startsWith("f: data.pkl: more than"), e.getMessage());
        // huge memo indices cost nothing: PUT/GET through a hash map
        assertEquals("x", TorchCheckpoint.load(checkpoint("memo.pth",
                new Pk().proto(2).str("x").op('r').le(0xfffffffeL, 4).op('0').op('j').le(0xfffffffeL, 4).stop(), Map.of())));
    }

    @Test
    void deepNestingAndCyclesAreRefused() throws IOException {
        int n = 200_000;
        Pk lists = new Pk().proto(2);
        for (int i = 0; i < n; i++) lists.op(']');
        for (int i = 0; i < n - 1; i++) lists.op('a');
        assertRefused(checkpoint("deep.pth", lists.stop(), Map.of()), "nested more than");

        Pk tuples = new Pk().proto(2).op('}').op(')');
        for (int i = 0; i < n; i++) tuples.op(0x85);
        assertRefused(checkpoint("deepkey.pth", tuples.op('N').op('s').stop(), Map.of()), "unhashable or too large dict key");

        Pk dicts = new Pk().proto(2).op('}'); // {'k': {'k': {'k': ...}}}
        for (int i = 0; i < n; i++) dicts.op(0x8c).shortStr("k").op('}');
        for (int i = 0; i < n; i++) dicts.op('s');
        assertRefused(checkpoint("dicts.pth", dicts.stop(), Map.of()), "nested more than");

        Pk marks = new Pk().proto(2);
        for (int i = 0; i < n; i++) marks.op('(');
        assertRefused(checkpoint("marks.pth", marks.stop(), Map.of()), "stack underflow");

        // a list that contains itself, and a dict that contains itself
        assertRefused(checkpoint("cycle.pth", new Pk().proto(2).op(']').op('q').op(0).op('h').op(0).op('a').stop(), Map.of()), "cycle");
        assertRefused(checkpoint("cycle2.pth", new Pk().proto(2).op('}').op('q').op(0).str("self").op(']').op('h').op(0).op('a').op('s').stop(), Map.of()),
                "cycle");
        // just below the limit is fine
        Pk ok = new Pk().proto(2);
        int depth = RestrictedUnpickler.MAX_DEPTH;
        for (int i = 0; i < depth; i++) ok.op(']');
        for (int i = 0; i < depth - 1; i++) ok.op('a');
        assertInstanceOf(List.class, TorchCheckpoint.load(checkpoint("ok.pth", ok.stop(), Map.of())));
    }

    // ================================================================= helpers

    /** {'w': FloatStorage '0' (2,2), 'b': LongStorage '1' (3,)} as an OrderedDict, the way torch writes it. */
    static byte[] stateDictPickle() {
        return new Pk().proto(2).global("collections", "OrderedDict").op('q').op(0).op(')').op('R').op('q').op(1)
                .op('(').str("w").tensor("0", "FloatStorage", 4, 0, new int[] {2, 2}, new int[] {2, 1})
                .str("b").tensor("1", "LongStorage", 3, 0, new int[] {3}, new int[] {1}).op('u')
                .op('}').op('q').op(2).str("version").int1(1).op('s').op('b').stop();
    }

    static Object unpickle(byte[] pkl) {
        StorageType f32 = new StorageType("FloatStorage", "F32", 4), i64 = new StorageType("LongStorage", "I64", 8);
        StorageRef w = new StorageRef("0", f32, CpuStorage.wrap(new float[4]));
        StorageRef b = new StorageRef("1", i64, CpuStorage.wrap(new long[3]));
        return new RestrictedUnpickler("mem.pkl", "data.pkl", pkl, pid -> {
            if (pid instanceof List<?> t && t.size() == 5 && "0".equals(t.get(2))) return w;
            if (pid instanceof List<?> t && t.size() == 5 && "1".equals(t.get(2))) return b;
            throw new CheckpointException("mem.pkl: data.pkl: bad pid");
        }).load();
    }

    static byte[] tensorPickle(String key, String storage, long numel, int[] shape) {
        int[] strides = new int[shape.length];
        for (int i = shape.length - 1, s = 1; i >= 0; s *= shape[i], i--) strides[i] = s;
        return new Pk().proto(2).op('}').str("t").tensor(key, storage, numel, 0, shape, strides).op('s').stop();
    }

    void assertRefusedGlobal(Path p, String global) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpoint.load(p), global);
        assertEquals(p + ": refusing to load global '" + global + "' from data.pkl: only tensors and containers are allowed", e.getMessage());
        assertThrows(CheckpointException.class, () -> TorchCheckpoint.loadStateDict(p));
        assertThrows(CheckpointException.class, () -> StateDicts.load(p));
        assertFalse(Files.exists(marker));
        assertFalse(Files.exists(PY_MARKER));
    }

    CheckpointException assertRefused(Path p, String fragment) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpoint.load(p), fragment);
        assertOneLineNaming(e, p);
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
        assertFalse(Files.exists(marker));
        return e;
    }

    static void assertOneLineNaming(CheckpointException e, Path p) {
        assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), e.getMessage());
    }

    /** A torch-style zip: ckpt/data.pkl, ckpt/data/KEY for each storage, ckpt/version. */
    Path checkpoint(String name, byte[] pkl, Map<String, byte[]> storages) throws IOException {
        return checkpoint(name, pkl, storages, false);
    }

    Path checkpoint(String name, byte[] pkl, Map<String, byte[]> storages, boolean stored) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("ckpt/data.pkl", pkl);
        storages.forEach((k, v) -> entries.put("ckpt/data/" + k, v));
        entries.put("ckpt/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return zip(name, entries, stored);
    }

    Path zip(String name, Map<String, byte[]> entries, boolean stored) throws IOException {
        Path p = tmp.resolve(name);
        try (OutputStream o = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(o)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                if (stored) {
                    CRC32 crc = new CRC32();
                    crc.update(e.getValue());
                    ze.setMethod(ZipEntry.STORED);
                    ze.setSize(e.getValue().length);
                    ze.setCrc(crc.getValue());
                }
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return p;
    }

    /** Overwrites the sizes of a stored entry in its local and central headers. */
    static void patchSizes(byte[] zip, String name, int size) {
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        int patched = 0;
        for (int i = 0; i + 46 < zip.length; i++) {
            int sig = b.getInt(i);
            if (sig == 0x04034b50 && matches(zip, i + 30, n) && (b.getShort(i + 26) & 0xFFFF) == n.length) {
                b.putInt(i + 18, size);
                b.putInt(i + 22, size);
                patched++;
            } else if (sig == 0x02014b50 && matches(zip, i + 46, n) && (b.getShort(i + 28) & 0xFFFF) == n.length) {
                b.putInt(i + 20, size);
                b.putInt(i + 24, size);
                patched++;
            }
        }
        assertEquals(2, patched);
    }

    private static boolean matches(byte[] a, int at, byte[] b) {
        if (at + b.length > a.length) return false;
        for (int i = 0; i < b.length; i++) if (a[at + i] != b[i]) return false;
        return true;
    }

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    static List<Float> boxed(float[] v) {
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return List.of(out);
    }

    /** A tiny pickle assembler. */
    static final class Pk {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pk op(int opcode) {
            out.write(opcode);
            return this;
        }

        Pk proto(int p) {
            return op(0x80).op(p);
        }

        Pk raw(String s) {
            out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            return this;
        }

        Pk raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Pk le(long v, int n) {
            for (int i = 0; i < n; i++) out.write((int) (v >>> (8 * i)));
            return this;
        }

        Pk str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return op('X').le(b.length, 4).raw(b);
        }

        Pk shortStr(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return op(b.length).raw(b);
        }

        Pk int1(int v) {
            return op('K').op(v);
        }

        Pk global(String module, String name) {
            return op('c').raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        }

        Pk ints(int[] v) {
            op('(');
            for (int x : v) op('J').le(x, 4);
            return op('t');
        }

        /** _rebuild_tensor_v2(('storage', torch.TYPE, key, 'cpu', numel), offset, size, stride, False, OrderedDict()). */
        Pk tensor(String key, String storageType, long numel, int offset, int[] size, int[] stride) {
            global("torch._utils", "_rebuild_tensor_v2").op('(');
            op('(').str("storage").global("torch", storageType).str(key).str("cpu").op(0x8a).op(8).le(numel, 8).op('t').op('Q');
            op('J').le(offset, 4).ints(size).ints(stride).op(0x89);
            global("collections", "OrderedDict").op(')').op('R');
            return op('t').op('R');
        }

        byte[] stop() {
            out.write('.');
            return out.toByteArray();
        }
    }
}
