package dev.eve.cuda.kernels;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs without a GPU: the fused kernels' sources include nothing outside native/ (NVRTC has no system or
 * toolkit headers), and, when nvcc is on the PATH, each compiles for sm_90 exactly as CI does and its
 * cubin exports every kernel name the launchers of this package ask for.
 */
class NativeKernelsCompileTest {

    static final String[] FILES = {"attention.cu", "moe.cu", "masked_loss.cu", "layernorm.cu", "softmax.cu",
            "activation.cu", "adamw.cu", "fused_common.cuh", "fused_mma.cuh"};

    /** The kernels each launcher class looks up, by file. */
    static final Map<String, List<String>> KERNELS = Map.of(
            "attention.cu", expand(List.of("eve_attention_fwd_%s_d64", "eve_attention_fwd_%s_d128",
                    "eve_attention_bwd_dq_%s_d64", "eve_attention_bwd_dq_%s_d128", "eve_attention_bwd_dkdv_%s_d64",
                    "eve_attention_bwd_dkdv_%s_d128", "eve_attention_bwd_delta_%s"), true,
                    expand(List.of("eve_attention_fwd_mma_%s_d64", "eve_attention_fwd_mma_%s_d128",
                            "eve_attention_bwd_dq_mma_%s_d64", "eve_attention_bwd_dq_mma_%s_d128",
                            "eve_attention_bwd_dkdv_mma_%s_d64", "eve_attention_bwd_dkdv_mma_%s_d128"), false, List.of())),
            "softmax.cu", expand(List.of("eve_softmax_warp_fwd_%s", "eve_softmax_block_fwd_%s", "eve_softmax_warp_bwd_%s",
                    "eve_softmax_block_bwd_%s"), true, List.of()),
            "layernorm.cu", expand(List.of("eve_layernorm_fwd_%s", "eve_layernorm_bwd_%s"), true,
                    List.of("eve_layernorm_bwd_reduce")),
            "activation.cu", expand(List.of("eve_activation_fwd_%s", "eve_activation_bwd_%s"), true, List.of()),
            "adamw.cu", List.of("eve_adamw_multi"),
            "masked_loss.cu", expand(List.of("eve_mce_fwd_partial_%s", "eve_mce_bwd_dlogits_%s", "eve_mce_gemm_nn_%s",
                    "eve_mce_gemm_tn_%s", "eve_mim_mse_fwd_%s", "eve_mim_mse_bwd_%s"), true,
                    List.of("eve_mce_fwd_finish", "eve_mce_fwd_partial_from_logits", "eve_mce_bwd_dlogits_from_logits",
                            "eve_mce_bias_grad", "eve_mim_mse_reduce")),
            "moe.cu", expand(List.of("eve_moe_router_fwd_%s", "eve_moe_dispatch_%s", "eve_moe_combine_%s",
                    "eve_moe_combine_bwd_%s", "eve_moe_dispatch_bwd_%s", "eve_moe_router_bwd_input_%s",
                    "eve_moe_param_grad_partial_%s"), true,
                    List.of("eve_moe_gate_topk", "eve_moe_positions", "eve_moe_combine_weights", "eve_moe_aux_loss", "eve_moe_rows",
                            "eve_moe_gates_bwd", "eve_moe_param_grad_reduce")));

    /** Each pattern for f32, bf16 and f16 ({@code withF32}) or bf16 and f16 only, plus {@code plain}. */
    private static List<String> expand(List<String> patterns, boolean withF32, List<String> plain) {
        List<String> r = new ArrayList<>(plain);
        for (String p : patterns)
            for (String t : withF32 ? new String[] {"f32", "bf16", "f16"} : new String[] {"bf16", "f16"})
                r.add(p.replace("%s", t));
        return r;
    }

    private static final Pattern INCLUDE = Pattern.compile("^\\s*#\\s*include\\s*([<\"])([^>\"]+)[>\"]", Pattern.MULTILINE);

    static Path nativeDir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isRegularFile(p.resolve("native").resolve("fused_common.cuh"))) return p.resolve("native");
        fail("native/ not found above " + Path.of("").toAbsolutePath());
        return null;
    }

    @Test
    void includeOnlyLocalHeaders() throws IOException {
        Path dir = nativeDir();
        for (String f : FILES) {
            String text = Files.readString(dir.resolve(f), StandardCharsets.UTF_8);
            Matcher m = INCLUDE.matcher(text);
            while (m.find()) {
                assertEquals("\"", m.group(1), f + ": system include <" + m.group(2) + "> (NVRTC cannot find it)");
                assertTrue(Files.isRegularFile(dir.resolve(m.group(2))), f + ": includes " + m.group(2) + ", not in native/");
                assertTrue(!m.group(2).contains("/") && !m.group(2).contains("\\"), f + ": include outside native/: " + m.group(2));
            }
            for (String banned : new String[] {"cuda_fp16.h", "cuda_bf16.h", "mma.h", "cstdint", "cmath"})
                assertTrue(!text.contains("<" + banned + ">"), f + " includes " + banned);
        }
    }

    static Path nvcc() {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String d : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(d, "nvcc");
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    @ParameterizedTest
    @ValueSource(strings = {"attention.cu", "moe.cu", "masked_loss.cu", "layernorm.cu", "softmax.cu", "activation.cu", "adamw.cu"})
    void compilesForSm90WithNvcc(String file, @TempDir Path tmp) throws Exception {
        Path nvcc = nvcc();
        Assumptions.assumeTrue(nvcc != null, "skipped: nvcc is not on the PATH");
        Path dir = nativeDir(), cubin = tmp.resolve(file + ".cubin");
        Process p = new ProcessBuilder(nvcc.toString(), "-std=c++17", "-arch=sm_90", "-I" + dir, "--cubin", "-o",
                cubin.toString(), dir.resolve(file).toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), "nvcc timed out on " + file);
        assertEquals(0, p.exitValue(), "nvcc failed on " + file + ":\n" + log);
        // The kernel names the launchers use are in the cubin's symbol table (extern "C": unmangled).
        String bytes = new String(Files.readAllBytes(cubin), StandardCharsets.ISO_8859_1);
        for (String k : KERNELS.get(file))
            assertTrue(bytes.contains(k + '\0'), file + " does not export kernel " + k);
    }
}
