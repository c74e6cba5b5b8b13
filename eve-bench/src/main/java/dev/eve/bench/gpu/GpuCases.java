package dev.eve.bench.gpu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eve.core.autograd.NoGrad;
import dev.eve.core.backend.cpu.Parallel;
import dev.eve.core.nn.F;
import dev.eve.core.ops.Reduction;
import dev.eve.core.optim.AdamW;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;
import dev.eve.models.config.MoeParams;
import dev.eve.models.eve.Mode;
import dev.eve.models.eve.MultiwayTransformer;
import dev.eve.models.eve.moe.MoeLayer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * The cases of {@link GpuReport}: their shapes (also handed to the PyTorch peer as the spec), and our
 * side of each measurement.
 *
 * <p>Shapes (full / {@code --tiny}):
 * <ul>
 *   <li>attention: batch 32, 12 heads of 64, N = 237 (EVE-Base vl) and 617, key padding with each
 *       sequence's padding in [0, 30%] of N, 15% of all keys ({@link #lengths}), bf16 and
 *       f32 (f32 only on the CPU), forward and forward+backward / batch 2, 2 heads of 16, N = 17, 33;</li>
 *   <li>MoE: EVE's MoE layer, 32 experts, top-2, 768 -> 3072 -> 768 quick_gelu, modality-routed, batch
 *       8 x 237 tokens (197 vision), capacity factor 1.0 and minimum capacity 4 as EVE's config (the
 *       original hard-codes them), training mode, forward+backward / 4 experts, 32 -> 64, 2 x 17;</li>
 *   <li>masked loss: an MLM batch of 256 x 40 text tokens = 10,240 positions of width 768, 15% of them
 *       masked (1,536 rows, the rest ignore_index), vocabulary 64,000 (EVE-Base's), f32,
 *       forward+backward (gradients of hidden, weight and bias) / 80 positions, 12 masked, 32, 1,000;</li>
 *   <li>training step: EVE-Base backbone, batch 32, 224 px, 40 text tokens, vl mode, training mode,
 *       drop-path 0, loss = mean(hidden^2) + 0.001 * mean MoE l_aux, backward, AdamW (lr 1e-4, wd
 *       0.01), f32 / a 2-layer 64-wide model with one 4-expert MoE layer, batch 2, 32 px, 8 tokens.</li>
 * </ul>
 */
final class GpuCases {

    /** One row of the report: {@code peer} is this case's entry in the spec handed to the peer. */
    record Case(String section, String key, String label, String shape, Map<String, Object> peer, Supplier<Supplier<Tensor>> setup,
                int warmup, int runs, int imagesPerStep) {}

    static final long IGNORE = -100;

    private final GpuReport.Settings s;
    private final Device device;
    private final List<Case> cases = new ArrayList<>();
    private final Map<String, Object> spec = new LinkedHashMap<>();

    GpuCases(GpuReport.Settings s) {
        this.s = s;
        this.device = s.device();
        spec.put("device", device.isCpu() ? "cpu" : device.toString());
        spec.put("tiny", s.tiny());
        spec.put("warmup", s.warmup());
        spec.put("runs", s.runs());
        spec.put("threads", Parallel.threads());
        if (s.wants("attention")) attention();
        if (s.wants("moe")) moe();
        if (s.wants("masked_loss")) maskedLoss();
        if (s.wants("train")) train();
    }

    List<Case> cases() {
        return cases;
    }

    Map<String, Object> spec() {
        return spec;
    }

    @SuppressWarnings("unchecked")
    private void add(Case c) {
        cases.add(c);
        ((List<Object>) spec.computeIfAbsent(c.section(), k -> new ArrayList<>())).add(c.peer());
    }

    private Map<String, Object> peer(String key, Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", key);
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    // ------------------------------------------------------------------------------------ attention

    /**
     * Per-sequence key lengths, padding drawn uniformly in [0, 0.3 N] as a stratified sample (sequence
     * b gets the stratum perm(b) of a seeded shuffle, padding (perm(b) + 0.5) / batch * 0.3 N), so that
     * the padded share is 15% of the keys (up to rounding) for every batch size, not only on average.
     */
    static long[] lengths(int batch, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] perm = new int[batch];
        for (int i = 0; i < batch; i++) perm[i] = i;
        for (int i = batch - 1; i > 0; i--) {
            int j = r.nextInt(i + 1), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        long[] len = new long[batch];
        for (int b = 0; b < batch; b++) len[b] = Math.max(1, n - Math.round((perm[b] + 0.5) / batch * 0.30 * n));
        return len;
    }

    private void attention() {
        int batch = s.tiny() ? 2 : 32, heads = s.tiny() ? 2 : 12, dim = s.tiny() ? 16 : 64;
        int[] ns = s.tiny() ? new int[] {17, 33} : new int[] {237, 617};
        List<String> dtypes = device.isCpu() ? List.of("f32") : List.of("bf16", "f32");
        for (int n : ns) {
            long[] len = lengths(batch, n, 7 + n);
            double pad = 1 - Arrays.stream(len).sum() / (double) (batch * n);
            List<Long> lenList = Arrays.stream(len).boxed().toList();
            for (String dt : dtypes) {
                for (String pass : List.of("forward", "forward+backward")) {
                    String key = "attention|N=" + n + "|" + dt + "|" + pass;
                    String shape = String.format(Locale.ROOT, "B%d H%d N%d D%d, %.1f%% keys padded", batch, heads, n, dim, pad * 100);
                    DType dtype = dt.equals("bf16") ? DType.BF16 : DType.F32;
                    Supplier<Supplier<Tensor>> setup = () -> {
                        Generator gen = new Generator(2);
                        int[] shp = {batch, heads, n, dim};
                        Tensor q = onDevice(Tensor.randn(gen, shp), dtype), k = onDevice(Tensor.randn(gen, shp), dtype),
                                v = onDevice(Tensor.randn(gen, shp), dtype), go = onDevice(Tensor.randn(gen, shp), dtype);
                        long[] m = new long[batch * n];
                        for (int b = 0; b < batch; b++) for (int j = 0; j < n; j++) m[b * n + j] = j < len[b] ? 1 : 0;
                        Tensor mask = Tensor.of(m, batch, n).to(device);
                        if (pass.equals("forward")) return () -> {
                            try (var ignored = NoGrad.enter()) {
                                return F.scaledDotProductAttention(q, k, v, mask);
                            }
                        };
                        return () -> {
                            Tensor ql = q.detach().requiresGrad(true), kl = k.detach().requiresGrad(true), vl = v.detach().requiresGrad(true);
                            F.scaledDotProductAttention(ql, kl, vl, mask).backward(go);
                            return ql.grad();
                        };
                    };
                    add(new Case("attention", key, "attention " + pass + " " + dt, shape,
                            peer(key, "batch", batch, "heads", heads, "tokens", n, "head_dim", dim, "dtype", dt, "pass", pass, "lengths", lenList),
                            setup, s.warmup(), s.runs(), 0));
                }
            }
        }
    }

    private Tensor onDevice(Tensor t, DType dtype) {
        Tensor d = t.to(device);
        return dtype == DType.F32 ? d : d.to(dtype);
    }

    // ------------------------------------------------------------------------------------ MoE

    private void moe() {
        boolean t = s.tiny();
        int batch = t ? 2 : 8, tokens = t ? 17 : 237, dim = t ? 32 : 768, hidden = t ? 64 : 3072, experts = t ? 4 : 32, vision = t ? 10 : 197;
        MoeParams params = MoeParams.of(experts, 2, true);
        String key = "moe|fwd+bwd";
        int capacity = Math.max((int) Math.ceil((double) batch * tokens / experts * 2 * params.capacityFactor()), params.minCapacity());
        String shape = String.format(Locale.ROOT, "%d x %d tokens, %d -> %d -> %d, %d experts top-2, capacity %d (factor %.1f)",
                batch, tokens, dim, hidden, dim, experts, capacity, params.capacityFactor());
        Supplier<Supplier<Tensor>> setup = () -> {
            Generator gen = new Generator(4);
            MoeLayer layer = new MoeLayer(dim, hidden, "quick_gelu", params, vision, 0.02, gen);
            layer.to(device);
            layer.train();
            Tensor x = Tensor.randn(gen, batch, tokens, dim).to(device), go = Tensor.randn(gen, batch, tokens, dim).to(device);
            return () -> {
                layer.zeroGrad();
                MoeLayer.Output out = layer.forward(x.detach().requiresGrad(true), Mode.VL, 0, false);
                out.output().mul(go).sum().add(out.lAux().mul(0.001)).backward();
                return layer.gate().wg().weight().grad();
            };
        };
        add(new Case("moe", key, "MoE layer forward+backward f32", shape,
                peer(key, "batch", batch, "tokens", tokens, "dim", dim, "hidden", hidden, "experts", experts, "topk", 2,
                        "type_route", true, "vision_tokens", vision, "capacity_factor", params.capacityFactor(),
                        "min_capacity", params.minCapacity(), "activation", "quick_gelu"),
                setup, s.warmup(), s.runs(), 0));
    }

    // ------------------------------------------------------------------------------------ masked loss

    private void maskedLoss() {
        boolean t = s.tiny();
        int positions = t ? 2 * 40 : 256 * 40, width = t ? 32 : 768, vocab = t ? 1000 : 64000;
        int valid = (int) Math.round(positions * 0.15);
        // Which positions are masked: a seeded shuffle, the same list for both sides.
        SplittableRandom r = new SplittableRandom(3);
        int[] order = new int[positions];
        for (int i = 0; i < positions; i++) order[i] = i;
        for (int i = positions - 1; i > 0; i--) {
            int j = r.nextInt(i + 1), tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        int[] rows = Arrays.copyOf(order, valid);
        Arrays.sort(rows);
        String key = "masked_loss|fwd+bwd";
        String shape = String.format(Locale.ROOT, "%,d positions x %d, %,d masked (15%%), V %,d", positions, width, valid, vocab);
        Supplier<Supplier<Tensor>> setup = () -> {
            Generator gen = new Generator(3);
            Tensor hidden = Tensor.randn(gen, positions, width).to(device);
            Tensor weight = Tensor.randn(gen, vocab, width).mul(0.02).to(device);
            Tensor bias = Tensor.zeros(vocab).to(device);
            long[] ids = Tensor.randint(gen, 0, vocab, positions).toLongArray();
            boolean[] keep = new boolean[positions];
            for (int row : rows) keep[row] = true;
            for (int i = 0; i < positions; i++) if (!keep[i]) ids[i] = IGNORE;
            Tensor targets = Tensor.of(ids, positions).to(device);
            return () -> {
                Tensor h = hidden.detach().requiresGrad(true), w = weight.detach().requiresGrad(true), b = bias.detach().requiresGrad(true);
                F.maskedCrossEntropy(h, w, b, targets, IGNORE, Reduction.MEAN).backward();
                return w.grad();
            };
        };
        add(new Case("masked_loss", key, "masked cross-entropy forward+backward f32 (fused)", shape,
                peer(key, "rows", positions, "hidden", width, "vocab", vocab, "ignore_index", IGNORE,
                        "valid_rows", Arrays.stream(rows).boxed().toList()),
                setup, s.warmup(), s.runs(), 0));
    }

    // ------------------------------------------------------------------------------------ training step

    /** A 2-layer, 64-wide EVE with one 4-expert MoE layer (original JSON format), for --tiny. */
    static EveConfig tinyConfig() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("vision_width", 64);
        n.put("patch_size", 16);
        n.put("hidden_act", "quick_gelu");
        n.put("num_attention_heads", 2);
        n.put("intermediate_size", 128);
        n.put("num_hidden_layers", 2);
        n.put("drop_path_rate", 0.0);
        n.put("vocab_size", 1000);
        n.put("vision_vocab_size", 64);
        n.put("relative_position_embed", false);
        n.put("ffn_type", "moe");
        n.putArray("vlffn_layers").add(1);
        n.putArray("moeffn_layers").add(1);
        ObjectNode mp = n.putObject("moe_param");
        mp.put("num_experts", 4);
        mp.put("topk", 2);
        mp.put("type_route", true);
        n.put("moe_lossweight", 0.001);
        return EveConfig.fromJson(n, "GpuReport --tiny config", null);
    }

    private void train() {
        boolean t = s.tiny();
        int batch = s.trainBatch(), res = t ? 32 : 224, text = t ? 8 : 40;
        double lr = 1e-4, wd = 0.01, auxWeight = 0.001;
        EveConfig c0 = t ? tinyConfig() : EveConfig.preset("base");
        EveConfig c = c0.withImageRes(res).withTextLength(text).withDropPathRate(0.0);
        Path configFile = s.out().resolve("gpu-bench-eve-config.json").toAbsolutePath();
        try {
            Files.createDirectories(configFile.getParent());
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(configFile.toFile(), c.toModelJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String key = "train|EVE-" + (t ? "tiny" : "Base");
        String shape = String.format(Locale.ROOT, "batch %d, %d px, %d text tokens, vl, %d layers x %d, MoE %d experts top-%d in layers %s",
                batch, res, text, c.numLayers(), c.hiddenSize(), c.moe().numExperts(), c.moe().topk(), c.moeffnLayers());
        String eve = s.eve();
        String label = eve == null ? "no checkout" : checkoutLabel(Path.of(eve));
        int warmup = t ? 1 : 2, runs = t ? 2 : 5;
        Supplier<Supplier<Tensor>> setup = () -> {
            Generator gen = new Generator(1);
            MultiwayTransformer model = new MultiwayTransformer(c, gen);
            model.to(device);
            model.train();
            AdamW opt = new AdamW(model.parameters(), lr, wd);
            Tensor image = Tensor.randn(gen, batch, 3, res, res).to(device);
            Tensor ids = Tensor.randint(gen, 0, c.vocabSize(), batch, text).to(device);
            Tensor atts = Tensor.ones(batch, text).to(DType.I64).to(device);
            return () -> {
                model.zeroGrad();
                MultiwayTransformer.Encoded enc = model.forwardDetailed(image, ids, atts, Mode.VL, false);
                Tensor loss = enc.hidden().square().mean();
                Tensor aux = enc.auxLossMean();
                if (aux != null) loss = loss.add(aux.mul(auxWeight));
                loss.backward();
                opt.step();
                return loss;
            };
        };
        add(new Case("train", key, "EVE-" + (t ? "tiny" : "Base") + " training step f32 (AdamW)", shape,
                peer(key, "eve", eve, "eve_label", label, "config", configFile.toString(), "batch", batch, "image_res", res,
                        "text_len", text, "lr", lr, "weight_decay", wd, "aux_weight", auxWeight, "warmup", warmup, "runs", runs,
                        "autocast_too", true),
                setup, warmup, runs, batch));
    }

    /** "checkout ssyze/EVE@abc1234" from a COMMIT file that pack.sh writes next to the copied model files. */
    static String checkoutLabel(Path eve) {
        try {
            Path commit = eve.resolve("COMMIT");
            if (Files.isRegularFile(commit)) return "ssyze/EVE@" + Files.readString(commit).trim();
        } catch (IOException e) {
            // fall through
        }
        return "checkout " + eve;
    }

    // ------------------------------------------------------------------------------------ measuring

    /** Our side of one case: median ms of its runs, or the error that stopped it. */
    Map<String, Object> measure(Case c) {
        Map<String, Object> r = new LinkedHashMap<>();
        try {
            Supplier<Tensor> step = c.setup().get();
            for (int i = 0; i < c.warmup(); i++) {
                step.get();
                DeviceSync.sync(device);
            }
            double[] ms = new double[c.runs()];
            for (int i = 0; i < c.runs(); i++) {
                long t0 = System.nanoTime();
                step.get();
                DeviceSync.sync(device);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            double median = median(ms);
            r.put("eve_ms", GpuReport.round(median, 1e4));
            r.put("eve_runs_ms", Arrays.stream(ms).map(v -> GpuReport.round(v, 1e4)).boxed().toList());
            if (c.imagesPerStep() > 0) r.put("eve_images_per_s", GpuReport.round(c.imagesPerStep() / (median / 1e3), 100));
        } catch (RuntimeException | OutOfMemoryError e) {
            String m = e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage().split("\n")[0];
            r.put("eve_error", m.length() > 300 ? m.substring(0, 300) : m);
            System.err.println("eve: " + c.key() + " failed:");
            e.printStackTrace();
        }
        return r;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
