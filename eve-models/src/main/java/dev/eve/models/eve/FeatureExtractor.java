package dev.eve.models.eve;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.nn.Module;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Shapes;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;
import dev.eve.models.eve.heads.NlvrModel;
import dev.eve.models.eve.heads.RetrievalModel;
import dev.eve.models.eve.heads.VqaModel;
import dev.eve.models.eve.moe.MoeRouting;
import dev.eve.models.eve.moe.RoutingPlan;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs a model in eval mode on named inputs ({@code image}, {@code image2}, {@code text_ids},
 * {@code text_atts}) and collects every intermediate the fixtures name: embeddings, each layer's
 * output, the final output, each MoE layer's routing, and the task head's outputs.
 */
public final class FeatureExtractor {

    private final Module model;
    private final MultiwayTransformer backbone;
    private final EveConfig config;

    public FeatureExtractor(Module model) {
        this.model = model;
        this.backbone = EveModels.backbone(model);
        this.config = backbone.config();
    }

    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        Tensor image = inputs.get("image"), image2 = inputs.get("image2");
        Tensor ids = inputs.get("text_ids"), atts = inputs.get("text_atts");
        if (image == null && ids == null) throw new IllegalArgumentException("inputs need 'image' and/or 'text_ids' (with 'text_atts')");
        if (ids != null && atts == null) throw new IllegalArgumentException("inputs have 'text_ids' but no 'text_atts'");
        checkFloat("image", image);
        checkFloat("image2", image2);
        Map<String, Tensor> out = new LinkedHashMap<>();
        model.eval();
        try (var ignored = NoGrad.enter()) {
            if (image != null) modeFeatures(out, Mode.VISION, image, null, null);
            if (ids != null) modeFeatures(out, Mode.TEXT, null, ids, atts);
            if (image != null && ids != null) modeFeatures(out, Mode.VL, image, ids, atts);
            heads(out, image, image2, ids, atts);
        }
        return out;
    }

    private static void checkFloat(String name, Tensor t) {
        if (t != null && !t.dtype().isFloating())
            throw new IllegalArgumentException("input '" + name + "' must be floating point, got " + t.dtype() + " " + Shapes.format(t.shape()));
    }

    private void modeFeatures(Map<String, Tensor> out, Mode mode, Tensor image, Tensor ids, Tensor atts) {
        String m = mode.key();
        MultiwayTransformer.Encoded enc = backbone.encode(backbone.embed(image, ids, atts, mode), mode, true);
        out.put(m + ".embed", enc.embed());
        for (int i = 0; i < enc.layers().size(); i++) out.put(m + ".layer." + i, enc.layers().get(i));
        out.put(m + ".out", backbone.norm().forward(enc.hidden()));
        Tensor aux = enc.auxLossMean();
        if (aux != null) out.put(m + ".l_aux_mean", aux.reshape(1));
        for (MoeRouting r : enc.routing()) {
            String p = m + ".moe." + r.layer() + ".";
            RoutingPlan plan = r.plan();
            out.put(p + "input", r.input());
            out.put(p + "gate_logits", r.gateLogits());
            out.put(p + "expert1", ints(plan.expert1()));
            out.put(p + "expert2", ints(plan.expert2()));
            out.put(p + "kept1", bools(plan.kept1()));
            out.put(p + "kept2", bools(plan.kept2()));
            out.put(p + "slot1", ints(plan.slot1()));
            out.put(p + "slot2", ints(plan.slot2()));
            out.put(p + "weight1", Tensor.of(r.weight1()));
            out.put(p + "weight2", Tensor.of(r.weight2()));
            out.put(p + "exp_counts", Tensor.of(plan.expertCounts()));
            out.put(p + "capacity", Tensor.of(new long[] {plan.capacity() == Integer.MAX_VALUE ? -1 : plan.capacity()}));
            out.put(p + "l_aux", Tensor.of(new float[] {r.lAux()}));
            out.put(p + "output", r.output());
        }
    }

    private void heads(Map<String, Tensor> out, Tensor image, Tensor image2, Tensor ids, Tensor atts) {
        if (model instanceof RetrievalModel r) {
            if (image != null) {
                out.put("retrieval.eval.vision_cls_norm", r.embedForEval(image, null, null, Mode.VISION));
                out.put("retrieval.itc.vision_cls_norm", r.embedForItc(image, null, null, Mode.VISION));
            }
            if (ids != null) {
                out.put("retrieval.eval.text_cls_norm", r.embedForEval(null, ids, atts, Mode.TEXT));
                out.put("retrieval.itc.text_cls_norm", r.embedForItc(null, ids, atts, Mode.TEXT));
            }
            if (image != null && ids != null) {
                Tensor logits = r.itcLogits(out.get("retrieval.itc.vision_cls_norm"), out.get("retrieval.itc.text_cls_norm"));
                out.put("retrieval.itc.logits", logits);
                if (logits.size(0) == logits.size(1)) out.put("retrieval.itc.loss", RetrievalModel.itcLoss(logits, null).reshape(1));
                out.put("retrieval.itm_logits", r.itmLogits(out.get("vl.out")));
            }
        } else if (model instanceof VqaModel v) {
            if (image != null && ids != null) out.put("vqa.logits", v.logitsFrom(out.get("vl.out")));
        } else if (model instanceof NlvrModel n) {
            if (image != null && image2 != null && ids != null) {
                if (!java.util.Arrays.equals(image.shape(), image2.shape()))
                    throw new IllegalArgumentException("input 'image2' of shape " + Shapes.format(image2.shape())
                            + " differs from 'image' " + Shapes.format(image.shape()));
                NlvrModel.Outputs o = n.forward(image, image2, ids, atts);
                out.put("nlvr.left_out", o.leftOut());
                out.put("nlvr.right_out", o.rightOut());
                if (o.l2rAttn() != null) {
                    out.put("nlvr.l2r_attn", o.l2rAttn());
                    out.put("nlvr.r2l_attn", o.r2lAttn());
                    out.put("nlvr.left_pool", o.leftPool());
                    out.put("nlvr.right_pool", o.rightPool());
                }
                out.put("nlvr.logits", o.logits());
            }
        }
    }

    private static Tensor ints(int[] v) {
        long[] l = new long[v.length];
        for (int i = 0; i < v.length; i++) l[i] = v[i];
        return Tensor.of(l);
    }

    private static Tensor bools(boolean[] v) {
        long[] l = new long[v.length];
        for (int i = 0; i < v.length; i++) l[i] = v[i] ? 1 : 0;
        return Tensor.of(l);
    }

    /** Casts every tensor to F32 or I64, as the features file promises. */
    public static Map<String, Tensor> forFile(Map<String, Tensor> features) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        features.forEach((k, v) -> out.put(k, v.dtype().isFloating() ? v.to(DType.F32).contiguous() : v.to(DType.I64).contiguous()));
        return out;
    }
}
