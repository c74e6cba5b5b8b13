package dev.eve.models.eve.moe;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.nn.Module;
import dev.eve.core.ops.Moe;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.MoeParams;
import dev.eve.models.eve.EveInit;
import dev.eve.models.eve.Mode;

import java.util.ArrayList;
import java.util.List;

/**
 * The modality-aware MoE layer ({@code MOELayer} of the original): tokens are shifted by a learned
 * vision or text embedding (router and experts both see the shifted token), routed top-1 or top-2
 * over the whole batch in batch-major order, dispatched to their experts by gathering only the
 * assigned rows, and combined by a weighted sum per token. The original's dense one-hot einsums give
 * the same numbers; this does E small GEMMs over the routed rows instead.
 *
 * <p>Routing is decided on the host; the data movement runs on the tokens' device through the backend's
 * MoE primitives ({@link Moe#dispatch} and {@link Moe#combine}: fused kernels on a GPU, row loops on the
 * CPU): one dispatch packs every kept assignment into a buffer, expert by expert ({@link ExpertRows}), each
 * expert runs on its slice of it, and one combine sums each token's weighted expert outputs. The
 * composition of generic ops that this replaced stays as the reference ({@link DataPath#COMPOSED}); the
 * tests hold the two equal.
 */
public final class MoeLayer extends Module {

    private static final float GATE_EPS = 1.1920929e-07f; // torch.finfo(float32).eps

    private final MoeParams params;
    private final int numVisionTokens;
    private final TopKGate gate;
    private final Experts experts;
    private final RoutingStats stats;
    private volatile MoeRouting last;

    /**
     * @param numVisionTokens tokens that get the vision embedding in vl mode (CLS + patches); only
     *                        used when the params route by modality
     * @param initStd         std of the modality embeddings' truncated-normal init (initializer_range)
     */
    public MoeLayer(int dim, int hidden, String activation, MoeParams params, int numVisionTokens, double initStd, Generator gen) {
        this.params = params;
        this.numVisionTokens = numVisionTokens;
        gate = registerModule("gate", new TopKGate(dim, params.numExperts(), gen));
        experts = registerModule("experts", new Experts(params.numExperts(), dim, hidden, activation, gen));
        if (params.typeRoute()) {
            EveInit.truncNormal(registerParameter("vision_embed", Tensor.zeros(dim)), initStd, gen);
            EveInit.truncNormal(registerParameter("text_embed", Tensor.zeros(dim)), initStd, gen);
        }
        stats = new RoutingStats(params.numExperts());
    }

    public MoeParams params() {
        return params;
    }

    public TopKGate gate() {
        return gate;
    }

    public Experts experts() {
        return experts;
    }

    /** Running statistics per modality since the last reset. */
    public RoutingStats stats() {
        return stats;
    }

    /** The routing of the latest forward pass. */
    public MoeRouting lastRouting() {
        return last;
    }

    /** Result of a forward pass: output [B, T, H] and the load-balancing loss (0-d). */
    public record Output(Tensor output, Tensor lAux, MoeRouting routing) {}

    /**
     * Routes x [B, T, H] (the normalised hidden states). {@code layerIndex} only labels the routing
     * record; {@code trace} keeps logits, input and output tensors in it.
     */
    public Output forward(Tensor x, Mode mode, int layerIndex, boolean trace) {
        return forward(x, mode, numVisionTokens, layerIndex, trace);
    }

    /**
     * Like {@link #forward(Tensor, Mode, int, boolean)} with the number of leading vision tokens of a
     * vl sequence given explicitly: pre-training feeds only the visible patches, so the sequence
     * holds fewer vision tokens than the configured image has.
     */
    public Output forward(Tensor x, Mode mode, int visionTokens, int layerIndex, boolean trace) {
        return forward(x, mode, visionTokens, layerIndex, trace, DataPath.FUSED);
    }

    /** How the routed tokens reach the experts and come back. */
    enum DataPath {
        /** The backend's MoE primitives over a packed buffer (what the model runs). */
        FUSED,
        /** The reference: index_select per expert, multiply by the weight, cat, index_add into zeros. */
        COMPOSED
    }

    /** {@link #forward(Tensor, Mode, int, int, boolean)} with the data path chosen (tests compare the two). */
    Output forward(Tensor x, Mode mode, int visionTokens, int layerIndex, boolean trace, DataPath path) {
        int b = x.size(0), t = x.size(1), h = x.size(2);
        Device device = x.device();   // the routing decisions are made on the host; their tensors go back here
        Tensor shifted = shift(x, mode, visionTokens);
        Tensor tokens = shifted.reshape(b * t, h);
        int s = b * t, e = params.numExperts();

        Tensor logits = gate.logits(tokens);
        Tensor gates = logits.softmax(1);
        RoutingPlan plan = plan(gates, logits, s, e);

        // l_aux = mean(me * ce) * E^2 from first choices before dropping.
        Tensor ce = Tensor.of(toFloats(plan.expertCounts(), s)).to(device);
        Tensor lAux = gates.mean(0).mul(ce).mean().mul((double) e * e);

        // Combine weights: the chosen gates (kept ones only), renormalised for top-2.
        Tensor g1 = gates.gather(1, column(plan.expert1(), device)).squeeze(1).mul(mask(plan.kept1(), device));
        Tensor w1 = g1, w2 = null;
        if (plan.topk() == 2) {
            Tensor g2 = gates.gather(1, column(plan.expert2(), device)).squeeze(1).mul(mask(plan.kept2(), device));
            Tensor denom = g1.add(g2).clampMin(GATE_EPS);
            w1 = g1.div(denom);
            w2 = g2.div(denom);
        }

        ExpertFn run = (ex, rows) -> experts.get(ex).forward(rows);
        Tensor combined = path == DataPath.FUSED
                ? dispatchAndCombine(run, tokens, plan, w1, w2)
                : composedDispatchAndCombine(run, tokens, plan, w1, w2);
        Tensor out = combined.reshape(b, t, h);

        float[] wf1 = w1.detach().toFloatArray(), wf2 = w2 == null ? new float[s] : w2.detach().toFloatArray();
        MoeRouting routing = new MoeRouting(layerIndex, mode, plan, wf1, wf2, lAux.item(),
                trace ? logits.detach() : null, trace ? x.detach() : null, trace ? out.detach() : null);
        stats.add(mode, plan, t, visionTokens);
        last = routing;
        return new Output(out, lAux, routing);
    }

    /** Adds the modality embedding: the first visionTokens tokens are vision in vl mode. */
    private Tensor shift(Tensor x, Mode mode, int visionTokens) {
        if (!params.typeRoute()) return x;
        Tensor vision = parameter("vision_embed"), text = parameter("text_embed");
        return switch (mode) {
            case VISION -> x.add(vision);
            case TEXT -> x.add(text);
            case VL -> {
                int t = x.size(1);
                int nv = Math.min(visionTokens, t);
                Tensor v = x.slice(1, 0, nv).add(vision);
                yield nv == t ? v : Tensor.cat(1, v, x.slice(1, nv, t).add(text));
            }
        };
    }

    private RoutingPlan plan(Tensor gates, Tensor logits, int s, int e) {
        boolean training = isTraining();
        double factor = training ? params.capacityFactor() : params.evalCapacityFactor();
        float[] g = gates.detach().toFloatArray();
        if (params.topk() == 1) return Gating.top1(g, s, e, factor, params.minCapacity(), params.dropless());
        boolean noisy = switch (params.noise()) {
            case ALWAYS -> true;
            case NEVER -> false;
            case TRAINING_ONLY -> training;
        };
        float[] noise = noisy ? gumbel(s * e, Generator.current()) : null;
        return Gating.top2(g, logits.detach().toFloatArray(), noise, s, e, factor, params.minCapacity(), params.dropless());
    }

    /** Standard Gumbel samples -log(-log(U)). */
    private static float[] gumbel(int n, Generator gen) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double u = gen.nextDouble();
            while (u <= 0) u = gen.nextDouble();
            v[i] = (float) -Math.log(-Math.log(u));
        }
        return v;
    }

    /** One expert applied to its rows [n, H] (n >= 1), giving [n, H]. */
    @FunctionalInterface
    public interface ExpertFn {
        Tensor apply(int expert, Tensor rows);
    }

    /**
     * Dispatches the kept assignments into one packed buffer (expert e's rows in slot order at
     * {@code offset(e)}), runs each expert on its slice, and combines each token's weighted outputs
     * (w1, w2 [S]; w2 null for top-1). Experts with no rows are skipped ({@link ExpertSegments}: one
     * gradient buffer for all experts' inputs). Public for eve-bench's MoeDispatchBenchmark and the tests.
     */
    public static Tensor dispatchAndCombine(ExpertFn experts, Tensor tokens, RoutingPlan plan, Tensor w1, Tensor w2) {
        ExpertRows packed = ExpertRows.of(plan);
        if (packed.total() == 0) return tokens.newZeros(tokens.shape()); // every assignment dropped: the layer adds nothing
        // The map stays on the host: the MoE ops check it there and upload it, with no read-back from the device.
        Tensor rows = Tensor.of(packed.rows(), plan.topk(), plan.tokens());
        // Row j of the weights belongs to choice j, like row j of the row map.
        Tensor weights = w2 == null ? w1.unsqueeze(0) : Tensor.stack(0, w1, w2);
        Tensor buffer = Moe.dispatch(tokens, rows, packed.total());
        Tensor y = ExpertSegments.apply(experts, buffer, packed);
        return Moe.combine(y, rows, weights);
    }

    /**
     * The reference path: gathers each expert's rows (in slot order), runs the expert, and scatter-adds the
     * weighted outputs into zeros. Same numbers as {@link #dispatchAndCombine} (the forward bit for bit).
     */
    public static Tensor composedDispatchAndCombine(ExpertFn experts, Tensor tokens, RoutingPlan plan, Tensor w1, Tensor w2) {
        int s = plan.tokens(), e = plan.experts();
        Device device = tokens.device();
        // Row r of the stacked weights: w1 for r < S, w2 for r >= S.
        Tensor weights = w2 == null ? w1 : Tensor.cat(0, w1, w2);
        List<Tensor> outputs = new ArrayList<>();
        long[] targets = new long[2 * s];
        int filled = 0;
        for (int ex = 0; ex < e; ex++) {
            int count = 0;
            long[] rows = new long[2 * s];
            long[] weightRows = new long[2 * s];
            // Slot order: first choices by token order, then second choices (their locations follow).
            for (int t = 0; t < s; t++)
                if (plan.kept1()[t] && plan.expert1()[t] == ex) {
                    rows[count] = t;
                    weightRows[count++] = t;
                }
            if (plan.topk() == 2)
                for (int t = 0; t < s; t++)
                    if (plan.kept2()[t] && plan.expert2()[t] == ex) {
                        rows[count] = t;
                        weightRows[count++] = s + t;
                    }
            if (count == 0) continue;
            Tensor index = Tensor.of(java.util.Arrays.copyOf(rows, count)).to(device);
            Tensor y = experts.apply(ex, tokens.indexSelect(0, index));
            Tensor w = weights.indexSelect(0, Tensor.of(java.util.Arrays.copyOf(weightRows, count)).to(device)).unsqueeze(1);
            outputs.add(y.mul(w));
            System.arraycopy(rows, 0, targets, filled, count);
            filled += count;
        }
        Tensor zeros = tokens.newZeros(tokens.shape());
        if (outputs.isEmpty()) return zeros; // every assignment dropped: the layer adds nothing
        return zeros.indexAdd(0, Tensor.of(java.util.Arrays.copyOf(targets, filled)).to(device), Tensor.cat(0, outputs));
    }

    private static Tensor column(int[] experts, Device device) {
        long[] v = new long[experts.length];
        for (int i = 0; i < v.length; i++) v[i] = Math.max(experts[i], 0);
        return Tensor.of(v, v.length, 1).to(device);
    }

    private static Tensor mask(boolean[] kept, Device device) {
        float[] v = new float[kept.length];
        for (int i = 0; i < v.length; i++) v[i] = kept[i] ? 1f : 0f;
        return Tensor.of(v).to(device);
    }

    private static float[] toFloats(long[] counts, int total) {
        float[] v = new float[counts.length];
        for (int i = 0; i < v.length; i++) v[i] = (float) counts[i] / total;
        return v;
    }

    /** Evaluates the router alone (no grad), e.g. for routing reports. */
    public RoutingPlan route(Tensor x, Mode mode) {
        try (var ignored = NoGrad.enter()) {
            Tensor tokens = shift(x, mode, numVisionTokens).reshape(-1, x.size(-1));
            Tensor logits = gate.logits(tokens);
            return plan(logits.softmax(1), logits, tokens.size(0), params.numExperts());
        }
    }
}
