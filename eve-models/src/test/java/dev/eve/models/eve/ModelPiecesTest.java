package dev.eve.models.eve;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.core.testing.Fixtures;
import dev.eve.models.config.EveConfig;
import dev.eve.models.config.MoeParams;
import dev.eve.models.eve.moe.MoeLayer;
import dev.eve.models.eve.moe.MoeRouting;
import dev.eve.models.eve.moe.RoutingStats;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.eve.core.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pieces of the model against references computed by the original code (fixtures/model-extras). */
class ModelPiecesTest {

    static final Map<String, Tensor> EXTRAS = Fixtures.load("fixtures/model-extras/model_extras.safetensors");

    @Test
    void positionEmbeddingInterpolationIsPyTorchBicubic() {
        Tensor pos = EXTRAS.get("pos.4x4");
        assertClose(EXTRAS.get("pos.4to6"), PositionInterpolation.interpolate(pos, 6), 1e-5, 1e-5, "4x4 -> 6x6");
        assertClose(EXTRAS.get("pos.4to3"), PositionInterpolation.interpolate(pos, 3), 1e-5, 1e-5, "4x4 -> 3x3");
        assertTrue(PositionInterpolation.interpolate(pos, 4) == pos);
    }

    @Test
    void relativePositionTablesMatchTheOriginal() {
        // image 48 px / patch 16 -> 3x3 grid; texts.max_tokens 12; pairs.max_tokens 5.
        RelativePositions r = new RelativePositions(3, 12, 5);
        assertEquals(EXTRAS.get("relpos.table_rows").longItem(), r.allNumRelativeDistance);
        assertArrayEquals(EXTRAS.get("relpos.vision").toLongArray(), r.index(Mode.VISION, 10).toLongArray());
        assertArrayEquals(EXTRAS.get("relpos.text").toLongArray(), r.index(Mode.TEXT, 12).toLongArray());
        assertArrayEquals(EXTRAS.get("relpos.joint").toLongArray(), r.index(Mode.VL, 15).toLongArray());
    }

    /** A tiny model: 48 px images (3x3 patches + CLS), 5 text tokens, 3 layers, MoE in layers 1 and 2. */
    static EveConfig tiny(int topk, boolean relative) {
        String json = """
                {"vision_width": 32, "patch_size": 16, "hidden_act": "quick_gelu", "num_attention_heads": 2,
                 "intermediate_size": 64, "num_hidden_layers": 3, "vocab_size": 50, "relative_position_embed": %s,
                 "ffn_type": "moe", "moeffn_layers": [1, 2], "moe_param": {"num_experts": 4, "topk": %d, "type_route": true},
                 "image_res": 48, "max_tokens": 5, "texts": {"max_tokens": 12}}
                """.formatted(relative, topk);
        try {
            var node = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
            return EveConfig.fromJson(node, "tiny", null);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    static Tensor[] inputs(Generator gen, int b) {
        long[] ids = new long[b * 5], atts = new long[b * 5];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1 + gen.nextInt(49);
            atts[i] = (i % 5) < 5 - (i / 5) % 3 ? 1 : 0;
        }
        return new Tensor[] {Tensor.randn(gen, b, 3, 48, 48), Tensor.of(ids, b, 5), Tensor.of(atts, b, 5)};
    }

    @Test
    void relativePositionVariantRunsAndTrainsItsTable() {
        EveConfig c = tiny(2, true);
        MultiwayTransformer m = new MultiwayTransformer(c, new Generator(3));
        assertTrue(m.namedParameters().containsKey("encoder.relative_position_bias_table"));
        assertTrue(!m.namedParameters().containsKey("pos_embed_vision"));
        Tensor[] in = inputs(new Generator(4), 2);
        for (Mode mode : Mode.values()) {
            Tensor y = m.forward(mode == Mode.TEXT ? null : in[0], mode == Mode.VISION ? null : in[1], in[2], mode);
            assertTrue(y.allFinite(), mode + " output is finite");
        }
        m.forward(in[0], in[1], in[2], Mode.VL).square().mean().backward();
        Tensor g = m.namedParameters().get("encoder.relative_position_bias_table").grad();
        assertNotNull(g);
        assertTrue(g.abs().sum().item() > 0);
    }

    @Test
    void gradientCheckpointingWithRelativePositionsGivesTheSameGradients() throws Exception {
        // The relative position bias of every layer comes from one shared table lookup: a checkpointed
        // layer must hand its gradient back to the outer graph, not back-propagate (and free) it itself.
        Tensor[] in = inputs(new Generator(4), 2);
        Map<String, Tensor> plain = null;
        for (boolean checkpointed : new boolean[] {false, true}) {
            MultiwayTransformer m = new MultiwayTransformer(tiny(2, true).withGradientCheckpointing(checkpointed), new Generator(3));
            m.train();
            try (var g = Generator.use(new Generator(9))) {
                m.forward(in[0], in[1], in[2], Mode.VL).square().mean().backward();
            }
            Map<String, Tensor> grads = new java.util.TreeMap<>();
            m.namedParameters().forEach((k, p) -> { if (p.grad() != null) grads.put(k, p.grad()); });
            assertNotNull(grads.get("encoder.relative_position_bias_table"));
            if (plain == null) {
                plain = grads;
                continue;
            }
            assertEquals(plain.keySet(), grads.keySet());
            for (String k : plain.keySet()) assertClose(plain.get(k), grads.get(k), 1e-6, 1e-5, k);
        }
    }

    @Test
    void top1RoutingAndStatisticsPerModality() {
        EveConfig c = tiny(1, false);
        MultiwayTransformer m = new MultiwayTransformer(c, new Generator(5));
        m.eval();
        Tensor[] in = inputs(new Generator(6), 3);
        var enc = m.forwardDetailed(in[0], in[1], in[2], Mode.VL, false);
        assertEquals(2, enc.auxLosses().size());
        MoeRouting r = enc.routing().get(0);
        assertEquals(1, r.plan().topk());
        assertEquals(3 * 15, r.plan().tokens(), "all tokens of the batch are routed, padding included");
        // Top-1 combine weight is the chosen gate's probability (not renormalised) when kept.
        for (int s = 0; s < r.plan().tokens(); s++)
            assertTrue(r.plan().kept1()[s] ? r.weight1()[s] > 0 && r.weight1()[s] < 1 : r.weight1()[s] == 0);
        m.forward(in[0], null, null, Mode.VISION);
        MoeLayer layer = m.moeLayers().get(0);
        RoutingStats.Counts vl = layer.stats().get(Mode.VL), vision = layer.stats().get(Mode.VISION);
        assertEquals(45, vl.tokens);
        assertEquals(30, vision.tokens);
        assertEquals(45, java.util.Arrays.stream(vl.firstChoice).sum());
        assertEquals(vl.tokens - vl.dropped1, java.util.Arrays.stream(vl.assigned).sum());
        assertEquals(layer.lastRouting().mode(), Mode.VISION);
    }

    @Test
    void droplessRoutingDropsNothingAndChangesOnlyDroppedTokens() {
        EveConfig c = tiny(2, false);
        c = c.withMoe(new MoeParams(4, 2, true, 0.25, 0.25, 0, false, MoeParams.GumbelNoise.NEVER));
        MultiwayTransformer capped = new MultiwayTransformer(c, new Generator(8));
        MultiwayTransformer dropless = new MultiwayTransformer(c.withMoe(c.moe().withDropless(true)), new Generator(8));
        capped.eval();
        dropless.eval();
        Tensor[] in = inputs(new Generator(9), 4);
        try (var ignored = NoGrad.enter()) {
            var a = capped.forwardDetailed(in[0], null, null, Mode.VISION, false);
            var b = dropless.forwardDetailed(in[0], null, null, Mode.VISION, false);
            assertTrue(a.routing().get(0).plan().dropped()[0] > 0, "the small capacity drops tokens");
            assertArrayEquals(new int[] {0, 0, 0}, b.routing().get(0).plan().dropped());
            assertEquals(Integer.MAX_VALUE, b.routing().get(0).plan().capacity());
        }
    }

    @Test
    void gumbelNoiseIsOffInEvalAndOnInTrainingByDefault() {
        EveConfig c = tiny(2, false);
        MultiwayTransformer m = new MultiwayTransformer(c, new Generator(10));
        Tensor[] in = inputs(new Generator(11), 2);
        m.eval();
        int[] e2a, e2b;
        try (var ignored = NoGrad.enter()) {
            e2a = m.forwardDetailed(in[0], null, null, Mode.VISION, false).routing().get(0).plan().expert2();
            e2b = m.forwardDetailed(in[0], null, null, Mode.VISION, false).routing().get(0).plan().expert2();
        }
        assertArrayEquals(e2a, e2b, "eval routing is deterministic");
        m.train();
        boolean changed = false;
        for (int i = 0; i < 5 && !changed; i++) {
            int[] e2 = m.forwardDetailed(in[0], null, null, Mode.VISION, false).routing().get(0).plan().expert2();
            changed = !java.util.Arrays.equals(e2, e2a);
        }
        assertTrue(changed, "training routes the second choice with Gumbel noise");
    }

    @Test
    void badInputsAreNamed() {
        EveConfig c = tiny(2, false);
        MultiwayTransformer m = new MultiwayTransformer(c, new Generator(12));
        Tensor[] in = inputs(new Generator(13), 2);
        var e1 = assertThrows(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(2, 3, 32, 32), null, null, Mode.VISION));
        assertTrue(e1.getMessage().contains("[B, 3, 48, 48]"), e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> m.forward(null, in[1].add(100), in[2], Mode.TEXT));
        assertTrue(e2.getMessage().contains("outside the vocabulary of 50"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> m.forward(in[0], in[1].slice(1, 0, 4), in[2].slice(1, 0, 4), Mode.VL));
        assertTrue(e3.getMessage().contains("exactly 5 tokens"), e3.getMessage());
        var e4 = assertThrows(IllegalArgumentException.class, () -> m.forward(null, in[1].to(DType.F32), in[2], Mode.TEXT));
        assertTrue(e4.getMessage().contains("integer"), e4.getMessage());
    }

    @Test
    void stateDictNamesFollowTheOriginal() {
        MultiwayTransformer m = new MultiwayTransformer(tiny(2, false), new Generator(14));
        List<String> keys = List.copyOf(m.stateDict().keySet());
        assertEquals("class_embedding_vision", keys.get(0));
        assertTrue(keys.contains("encoder.layers.1.mlp_moe.moe.gate.wg.weight"));
        assertTrue(keys.contains("encoder.layers.2.mlp_moe.moe.experts.experts.3.fc2.bias"));
        assertTrue(keys.contains("encoder.layers.0.mlp_text.fc1.weight"));
        assertTrue(keys.contains("encoder.layers.0.attn.q_bias"));
        assertEquals("norm.bias", keys.get(keys.size() - 1));
    }
}
