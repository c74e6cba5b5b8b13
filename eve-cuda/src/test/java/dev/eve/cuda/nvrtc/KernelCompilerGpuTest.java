package dev.eve.cuda.nvrtc;

import dev.eve.cuda.GpuAssumptions;
import dev.eve.cuda.runtime.CudaDevice;
import dev.eve.cuda.runtime.CudaFunction;
import dev.eve.cuda.runtime.CudaModule;
import dev.eve.cuda.runtime.KernelArgs;
import dev.eve.cuda.runtime.Memcpy;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** NVRTC compiles every native/*.cu for the GPU present, and the second compiler instance loads from disk. */
class KernelCompilerGpuTest {

    @Test
    void everySourceCompilesAndIsCachedOnDisk(@TempDir Path dir) throws Exception {
        GpuAssumptions.assumeGpu();
        CudaDevice dev = CudaDevice.current(0);
        List<String> files;
        Path nat = Files.isDirectory(Path.of("..", "native")) ? Path.of("..", "native") : Path.of("native");
        try (Stream<Path> s = Files.list(nat)) {
            files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu")).sorted().toList();
        }
        KernelCompiler first = new KernelCompiler(new CubinCache(dir));
        for (String f : files) assertTrue(CubinCache.isElf(first.cubin(f, dev.computeCapability())), f);
        assertEquals(files.size(), first.compilations());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(files.size(), s.filter(p -> p.toString().endsWith(".cubin")).count());
        }
        KernelCompiler second = new KernelCompiler(new CubinCache(dir));
        for (String f : files) second.cubin(f, dev.computeCapability());
        assertEquals(0, second.compilations());
        assertEquals(files.size(), second.diskHits());
    }

    @Test
    void launchApiRunsAKernel() {
        GpuAssumptions.assumeGpu();
        CudaDevice dev = CudaDevice.current(0);
        CudaFunction exp = CudaModule.load(dev, "elementwise.cu").function("eb_unary_f32");
        assertSame(exp, CudaModule.load(dev, "elementwise.cu").function("eb_unary_f32"));
        var x = dev.allocator().allocate(4 * 1000, dev.stream());
        var y = dev.allocator().allocate(4 * 1000, dev.stream());
        Memcpy.memset(x.pointer(), 0, 4 * 1000, dev.stream());
        exp.launch(4, 1, 1, 256, 1, 1, 0, dev.stream(), KernelArgs.of().ptr(y.pointer()).ptr(x.pointer()).i32(1000).i32(5)); // EXP
        try (FloatPointer host = new FloatPointer(1000)) {
            Memcpy.deviceToHost(host, y.pointer(), 4 * 1000, dev.stream());
            dev.synchronize();
            float[] out = new float[1000];
            host.get(out);
            for (float v : out) assertEquals(1f, v);
        }
        dev.allocator().release(x);
        dev.allocator().release(y);
    }
}
