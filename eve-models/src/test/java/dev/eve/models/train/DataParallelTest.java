package dev.eve.models.train;

import dev.eve.core.dist.ProcessGroup;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;
import dev.eve.models.config.MoeParams;
import dev.eve.models.eve.Mode;
import dev.eve.models.eve.heads.RetrievalModel;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.eve.core.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Two replicas on halves of a batch give the gradients of one model on the whole batch. */
class DataParallelTest {

    static EveConfig config() {
        String json = """
                {"vision_width": 32, "patch_size": 16, "hidden_act": "quick_gelu", "num_attention_heads": 2,
                 "intermediate_size": 64, "num_hidden_layers": 2, "vocab_size": 40, "ffn_type": "moe",
                 "moeffn_layers": [1], "moe_param": {"num_experts": 4, "topk": 2, "type_route": true},
                 "image_res": 32, "max_tokens": 6, "itc_type": ["fusion"]}
                """;
        try {
            var node = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
            EveConfig c = EveConfig.fromJson(node, "tiny", null);
            // Capacity is per forward call: without limits routing is per token, so shards and whole batch agree.
            return c.withMoe(c.moe().withDropless(true).withNoise(MoeParams.GumbelNoise.NEVER));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** ITC over features gathered from all replicas plus a per-sample ITM-style loss (mean over the shard). */
    static Tensor loss(RetrievalModel m, Tensor image, Tensor ids, Tensor atts, ProcessGroup group) {
        Tensor v = m.embedForItc(image, null, null, Mode.VISION);
        Tensor t = m.embedForItc(null, ids, atts, Mode.TEXT);
        Tensor vAll = group == null ? v : Collectives.allGather(group, v);
        Tensor tAll = group == null ? t : Collectives.allGather(group, t);
        Tensor logits = m.itcLogits(vAll, tAll);
        Tensor itc = RetrievalModel.itcLoss(logits, Tensor.eye(logits.size(0)));
        Tensor itm = m.itmLogits(m.backbone().forward(image, ids, atts, Mode.VL)).logSoftmax(1).select(1, 1).neg().mean();
        return itc.add(itm);
    }

    @Test
    void twoReplicasMatchOneModelOnTheWholeBatch() {
        EveConfig c = config();
        Generator gen = new Generator(3);
        Tensor image = Tensor.randn(gen, 4, 3, 32, 32);
        long[] idv = new long[24], attv = new long[24];
        for (int i = 0; i < 24; i++) {
            idv[i] = 1 + gen.nextInt(39);
            attv[i] = i % 6 < 6 - (i / 6) ? 1 : 0;
        }
        Tensor ids = Tensor.of(idv, 4, 6), atts = Tensor.of(attv, 4, 6);

        RetrievalModel single = new RetrievalModel(c, new Generator(9));
        single.eval();
        loss(single, image, ids, atts, null).backward();
        Map<String, Tensor> expected = single.namedParameters();

        RetrievalModel master = new RetrievalModel(c, new Generator(9));
        try (DataParallel<RetrievalModel> dp = new DataParallel<>(master, () -> new RetrievalModel(c, null), 2)) {
            dp.train(false);
            double[] losses = dp.forwardBackward((m, rank, group) -> {
                Tensor img = image.slice(0, 2 * rank, 2 * rank + 2), id = ids.slice(0, 2 * rank, 2 * rank + 2),
                        at = atts.slice(0, 2 * rank, 2 * rank + 2);
                return loss(m, img, id, at, group);
            }, new Generator[] {new Generator(1), new Generator(2)});
            assertEquals(2, losses.length);
        }
        int compared = 0;
        for (Map.Entry<String, Tensor> e : master.namedParameters().entrySet()) {
            Tensor want = expected.get(e.getKey()).grad();
            if (want == null) continue;
            assertNotNull(e.getValue().grad(), "no gradient for " + e.getKey());
            assertClose(want, e.getValue().grad(), 1e-3, 1e-6, e.getKey());
            compared++;
        }
        assertEquals(true, compared > 30);
    }
}
