package dev.eve.models.eve;

import dev.eve.core.nn.F;
import dev.eve.core.optim.AdamW;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;
import dev.eve.models.config.PretrainConfig;
import dev.eve.models.data.masking.ImageMask;
import dev.eve.models.data.masking.Patches;
import dev.eve.models.data.masking.TextMask;
import dev.eve.models.eve.heads.PretrainModel;
import dev.eve.models.eve.moe.RoutingStats;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PretrainModelTest {

    private static final PretrainConfig SMALL_DECODER = PretrainConfig.defaults().withDecoder(1, 16, 2);

    private static float maxDiff(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item();
    }

    private static TextMask textMask(Tensor ids, Tensor atts, double ratio, long seed) {
        int b = ids.size(0), l = ids.size(1);
        long[] seeds = new long[b];
        for (int i = 0; i < b; i++) seeds[i] = seed + i;
        return TextMask.apply(ids.toLongArray(), atts.toLongArray(), new int[b * l], l, ratio, 49, false, 50, seeds);
    }

    @Test
    void gateLossesAreKeptOnlyWhileCollectedAndBounded() {
        MultiwayTransformer m = new MultiwayTransformer(ModelPiecesTest.tiny(2, false), new Generator(1));
        Tensor[] in = ModelPiecesTest.inputs(new Generator(2), 1);
        for (int i = 0; i < 5; i++) m.forward(in[0], in[1], in[2], Mode.VL);
        assertEquals(0, m.pendingGateLosses(), "a plain training loop pins no graphs");
        assertNull(m.takeGateLoss());

        m.collectGateLoss();
        for (int i = 0; i < 3; i++) m.forward(in[0], in[1], in[2], Mode.VL);
        assertEquals(3, m.pendingGateLosses());
        assertTrue(m.takeGateLoss() != null);
        assertEquals(0, m.pendingGateLosses());
        m.forward(in[0], in[1], in[2], Mode.VL);
        assertEquals(0, m.pendingGateLosses(), "take closes the window");

        m.collectGateLoss();
        for (int i = 0; i < MultiwayTransformer.MAX_PENDING_GATE_LOSSES + 10; i++) m.forward(in[0], in[1], in[2], Mode.VL);
        assertEquals(MultiwayTransformer.MAX_PENDING_GATE_LOSSES, m.pendingGateLosses(), "a window never closed is bounded");
    }

    @Test
    void visiblePathWithEveryPatchKeptIsTheFullVlPass() {
        EveConfig c = ModelPiecesTest.tiny(2, false);
        MultiwayTransformer m = new MultiwayTransformer(c, new Generator(1));
        m.eval();
        Tensor[] in = ModelPiecesTest.inputs(new Generator(2), 3);
        long[] all = new long[3 * 9];
        for (int i = 0; i < all.length; i++) all[i] = i % 9;
        var visible = m.encode(m.embedVisible(in[0], Tensor.of(all, 3, 9), in[1], in[2]), Mode.VL, false);
        var full = m.encode(m.embed(in[0], in[1], in[2], Mode.VL), Mode.VL, false);
        assertTrue(maxDiff(visible.hidden(), full.hidden()) < 1e-6, "same tokens, same positions, same result");
    }

    @Test
    void visibleTokensAreTheKeptRowsOfTheFullEmbedding() {
        EveConfig c = ModelPiecesTest.tiny(2, false);
        MultiwayTransformer m = new MultiwayTransformer(c, new Generator(1));
        m.eval();
        Tensor[] in = ModelPiecesTest.inputs(new Generator(2), 2);
        ImageMask mask = ImageMask.sample(9, 0.75, new long[] {5, 6});
        var visible = m.embedVisible(in[0], mask.idsKeep(), in[1], in[2]);
        var full = m.embed(in[0], in[1], in[2], Mode.VL);
        assertEquals(1 + mask.kept(), visible.visionTokens());
        assertEquals(1 + mask.kept() + 5, visible.hidden().size(1));
        long[] keep = mask.idsKeep().toLongArray();
        for (int b = 0; b < 2; b++) {
            assertTrue(maxDiff(visible.hidden().get(b).get(0), full.hidden().get(b).get(0)) < 1e-6, "CLS");
            for (int k = 0; k < mask.kept(); k++) {
                int patch = (int) keep[b * mask.kept() + k];
                assertTrue(maxDiff(visible.hidden().get(b).get(1 + k), full.hidden().get(b).get(1 + patch)) < 1e-6,
                        "kept patch " + patch + " carries its own position");
            }
            for (int t = 0; t < 5; t++)
                assertTrue(maxDiff(visible.hidden().get(b).get(1 + mask.kept() + t), full.hidden().get(b).get(10 + t)) < 1e-6, "text");
        }
        assertThrows(IllegalArgumentException.class,
                () -> m.embedVisible(in[0], Tensor.of(new long[] {9, 0}, 2, 1), in[1], in[2]), "patch index out of the grid");
        assertThrows(IllegalArgumentException.class,
                () -> new MultiwayTransformer(ModelPiecesTest.tiny(2, true), null).embedVisible(in[0], mask.idsKeep(), in[1], in[2]));
    }

    @Test
    void lossIsMimPlusMlmPlusWeightedGateLossAndEachPartIsWhatItSays() {
        EveConfig c = ModelPiecesTest.tiny(2, false);
        PretrainModel model = new PretrainModel(c, SMALL_DECODER, new Generator(3));
        model.eval();
        Tensor[] in = ModelPiecesTest.inputs(new Generator(4), 3);
        ImageMask im = ImageMask.sample(9, 0.75, new long[] {1, 2, 3});
        TextMask tm = textMask(in[1], in[2], 0.5, 7);
        PretrainModel.Output out = model.forward(in[0], im, tm, in[2]);
        assertNotNull(out.gate());
        assertEquals(out.mim().item() + out.mlm().item() + c.gateLossWeight() * out.gate().item(), out.loss().item(), 1e-5);

        // MLM: plain cross-entropy of the full tied logits at the masked positions.
        var enc = model.backbone().encode(model.backbone().embedVisible(in[0], im.idsKeep(), tm.ids(), in[2]), Mode.VL, false);
        Tensor hidden = model.backbone().norm().forward(enc.hidden());
        int nv = 1 + im.kept();
        Tensor text = hidden.slice(1, nv, nv + 5).reshape(15, c.hiddenSize());
        Tensor logits = model.mlmHead().logits(text, model.backbone().wordEmbeddingWeight());
        Tensor mlm = F.crossEntropy(logits, tm.labels().reshape(15), -100, 0, dev.eve.core.ops.Reduction.MEAN);
        assertEquals(mlm.item(), out.mlm().item(), 1e-5);

        // MIM: mean over masked patches of the per-patch MSE against normalised pixels.
        Tensor pred = model.mimDecoder().forward(hidden.slice(1, 0, nv), im.restore());
        float[] p = pred.toFloatArray(), t = Patches.normalized(Patches.patchify(in[0], 16)).toFloatArray(), flags = im.masked().toFloatArray();
        int dims = 16 * 16 * 3;
        double sum = 0;
        int count = 0;
        for (int patch = 0; patch < flags.length; patch++) {
            if (flags[patch] == 0) continue;
            double se = 0;
            for (int d = 0; d < dims; d++) se += Math.pow(p[patch * dims + d] - t[patch * dims + d], 2);
            sum += se / dims;
            count++;
        }
        assertEquals(3 * 7, count, "9 patches at 0.75: 7 masked per image");
        assertEquals(sum / count, out.mim().item(), 1e-4);
    }

    @Test
    void gradientsReachTheTiedEmbeddingsTheDecoderAndTheRouterAndRoutingIsCountedPerModality() {
        EveConfig c = ModelPiecesTest.tiny(2, false);
        PretrainModel model = new PretrainModel(c, SMALL_DECODER, new Generator(3));
        model.train();
        Tensor[] in = ModelPiecesTest.inputs(new Generator(4), 2);
        ImageMask im = ImageMask.sample(9, 0.5, new long[] {1, 2});
        model.backbone().moeLayers().forEach(l -> l.stats().reset());
        model.forward(in[0], im, textMask(in[1], in[2], 0.5, 3), in[2]).loss().backward();
        for (String name : new String[] {"backbone.word_embedding.weight", "mlm_head.bias", "mlm_head.dense.weight",
                "mim_decoder.mask_token", "mim_decoder.pos_embed", "mim_decoder.pred.weight", "backbone.patch_embed.weight",
                "backbone.encoder.layers.1.mlp_moe.moe.gate.wg.weight", "backbone.encoder.layers.1.mlp_moe.moe.vision_embed"}) {
            Tensor g = model.namedParameters().get(name).grad();
            assertNotNull(g, name);
            assertTrue(g.abs().sum().item() > 0, name + " gets a gradient");
        }
        RoutingStats stats = model.backbone().moeLayers().get(0).stats();
        assertEquals(2 * (1 + im.kept()), stats.get(RoutingStats.Modality.IMAGE).tokens, "CLS + visible patches are image tokens");
        assertEquals(2 * 5, stats.get(RoutingStats.Modality.TEXT).tokens);
    }

    @Test
    void aFewStepsOnOneBatchCutTheLoss() {
        EveConfig c = ModelPiecesTest.tiny(2, false);
        PretrainModel model = new PretrainModel(c, SMALL_DECODER, new Generator(3));
        model.train();
        Tensor[] in = ModelPiecesTest.inputs(new Generator(4), 4);
        ImageMask im = ImageMask.sample(9, 0.5, new long[] {1, 2, 3, 4});
        TextMask tm = textMask(in[1], in[2], 0.5, 9);
        AdamW opt = new AdamW(model.parameters(), 3e-3, 0.0);
        double first = 0, last = 0;
        try (var g = Generator.use(new Generator(5))) {
            for (int step = 0; step < 40; step++) {
                model.zeroGrad();
                Tensor loss = model.forward(in[0], im, tm, in[2]).loss();
                if (step == 0) first = loss.item();
                last = loss.item();
                loss.backward();
                opt.step();
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);
    }
}
