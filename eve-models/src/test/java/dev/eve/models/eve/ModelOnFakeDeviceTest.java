package dev.eve.models.eve;

import dev.eve.core.nn.F;
import dev.eve.core.nn.Module;
import dev.eve.core.optim.AdamW;
import dev.eve.core.tensor.DType;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;
import dev.eve.models.config.MoeParams;
import dev.eve.models.config.PretrainConfig;
import dev.eve.models.data.masking.ImageMask;
import dev.eve.models.data.masking.TextMask;
import dev.eve.models.eve.heads.NlvrModel;
import dev.eve.models.eve.heads.PretrainModel;
import dev.eve.models.eve.heads.RetrievalModel;
import dev.eve.models.eve.heads.VqaModel;
import dev.eve.models.fakedevice.FakeDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model runs on the device of its inputs: every variant and task head, run on the test-only
 * {@code fake} device (the CPU kernels behind a device check, so any tensor the model makes on the
 * CPU by mistake throws as it would next to a CUDA tensor), gives the CPU's numbers bit for bit:
 * outputs, losses, routing, every gradient and the weights after an optimizer step.
 */
class ModelOnFakeDeviceTest {

    static final Device FAKE = FakeDevice.DEVICE;

    @Test
    void theFakeDeviceIsFoundAndRefusesToMixWithTheCpu() {
        assertEquals(FAKE, Device.parse("fake"));
        Tensor cpu = Tensor.ones(2, 3), fake = Tensor.ones(2, 3).to(FAKE);
        assertEquals(FAKE, fake.device());
        assertArrayEquals(cpu.add(cpu).toFloatArray(), fake.add(fake).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> fake.add(cpu));
        assertThrows(RuntimeException.class, () -> fake.indexSelect(0, Tensor.of(new long[] {1})));
        assertThrows(RuntimeException.class, () -> cpu.indexSelect(0, Tensor.of(new long[] {1}).to(FAKE)));
        assertThrows(RuntimeException.class, () -> fake.gather(1, Tensor.of(new long[] {0, 1}, 2, 1)));
        // A model on the fake device refuses CPU inputs, as on a GPU.
        MultiwayTransformer m = new MultiwayTransformer(ModelPiecesTest.tiny(2, false), new Generator(1));
        m.to(FAKE);
        Tensor[] in = ModelPiecesTest.inputs(new Generator(2), 1);
        assertThrows(RuntimeException.class, () -> m.forward(in[0], in[1], in[2], Mode.VL));
    }

    /** A tiny config with every head's settings (fusion ITC, 7 VQA answers, NLVR bi-attention). */
    static EveConfig tinyHeads(boolean biattn) {
        String json = """
                {"vision_width": 32, "patch_size": 16, "hidden_act": "quick_gelu", "num_attention_heads": 2,
                 "intermediate_size": 64, "num_hidden_layers": 3, "vocab_size": 50, "relative_position_embed": false,
                 "ffn_type": "moe", "moeffn_layers": [1, 2], "moe_param": {"num_experts": 4, "topk": 2, "type_route": true},
                 "image_res": 48, "max_tokens": 5, "texts": {"max_tokens": 12}, "itc_type": ["fusion"], "vqa_vocab": 7,
                 "biattn": %s}
                """.formatted(biattn);
        try {
            var node = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
            return EveConfig.fromJson(node, "tiny-heads", null);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    static EveConfig variant(String name) {
        return switch (name) {
            case "top1" -> ModelPiecesTest.tiny(1, false);
            case "top2" -> ModelPiecesTest.tiny(2, false);
            case "relative" -> ModelPiecesTest.tiny(2, true);
            case "dropless" -> ModelPiecesTest.tiny(2, false).withMoe(new MoeParams(4, 2, true, 0.25, 0.25, 0, true, MoeParams.GumbelNoise.ALWAYS));
            case "capacity" -> ModelPiecesTest.tiny(2, false).withMoe(new MoeParams(4, 2, true, 0.25, 0.25, 0, false, MoeParams.GumbelNoise.ALWAYS));
            case "checkpointed" -> ModelPiecesTest.tiny(2, false).withGradientCheckpointing(true).withDropPathRate(0.2);
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** What one step computes from the model and its inputs: named outputs, the key {@code loss} among them. */
    @FunctionalInterface
    interface Step<M extends Module> {
        Map<String, Tensor> apply(M model, Tensor[] inputs);
    }

    /** Named results of one training step: outputs and losses, then every parameter's gradient and new value. */
    private static <M extends Module> Map<String, Tensor> run(M model, Device device, Step<M> step, Tensor... inputs) throws Exception {
        model.to(device);
        model.train();
        Tensor[] in = new Tensor[inputs.length];
        for (int i = 0; i < in.length; i++) in[i] = inputs[i] == null ? null : inputs[i].to(device);
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (var g = Generator.use(new Generator(11))) {     // dropout, drop path and Gumbel noise draw the same on both
            out.putAll(step.apply(model, in));
        }
        for (Map.Entry<String, Tensor> e : out.entrySet())
            assertEquals(device, e.getValue().device(), e.getKey() + " is on the inputs' device");
        out.get("loss").backward();
        AdamW opt = new AdamW(model.parameters(), 1e-3, 0.01);
        int withGrad = 0;
        for (Map.Entry<String, Tensor> p : model.namedParameters().entrySet()) {
            if (p.getValue().grad() == null) continue;
            out.put("grad " + p.getKey(), p.getValue().grad());
            withGrad++;
        }
        assertTrue(withGrad > 0);
        opt.step();
        for (Map.Entry<String, Tensor> p : model.namedParameters().entrySet()) {
            assertEquals(device, p.getValue().device(), p.getKey());
            out.put("param " + p.getKey(), p.getValue());
        }
        return out;
    }

    private static void assertSameBits(Map<String, Tensor> cpu, Map<String, Tensor> fake) {
        assertEquals(cpu.keySet(), fake.keySet());
        for (String k : cpu.keySet()) {
            Tensor a = cpu.get(k), b = fake.get(k);
            assertArrayEquals(a.shape(), b.shape(), k);
            if (a.dtype().isFloating()) assertArrayEquals(a.toFloatArray(), b.toFloatArray(), k + " differs on the fake device");
            else assertArrayEquals(a.toLongArray(), b.toLongArray(), k + " differs on the fake device");
        }
    }

    /** The same seeded model and step on the CPU and on the fake device: everything equal, bit for bit. */
    private static <M extends Module> void compare(Function<Generator, M> build, Step<M> step, Tensor... inputs) throws Exception {
        Map<String, Tensor> cpu = run(build.apply(new Generator(3)), Device.CPU, step, inputs);
        Map<String, Tensor> fake = run(build.apply(new Generator(3)), FAKE, step, inputs);
        assertSameBits(cpu, fake);
    }

    /** Every mode's output, the routing of the vl pass and its aux loss; loss = sum of squares + aux. */
    private static Map<String, Tensor> backboneStep(MultiwayTransformer m, Tensor[] x) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("vision", m.forward(x[0], null, null, Mode.VISION));
        out.put("text", m.forward(null, x[1], x[2], Mode.TEXT));
        var enc = m.forwardDetailed(x[0], x[1], x[2], Mode.VL, true);
        out.put("vl", enc.hidden());
        for (int i = 0; i < enc.layers().size(); i++) out.put("vl.layer." + i, enc.layers().get(i));
        Tensor aux = enc.auxLossMean();
        out.put("aux", aux);
        for (var r : enc.routing()) {
            // Routing decisions are host data; compared through tensors on the device like everything else.
            long[] e1 = new long[r.plan().expert1().length];
            for (int i = 0; i < e1.length; i++) e1[i] = r.plan().expert1()[i] * 2L + (r.plan().kept1()[i] ? 1 : 0);
            out.put("routing " + r.layer(), Tensor.of(e1).to(x[0].device()));
            out.put("weight1 " + r.layer(), Tensor.of(r.weight1()).to(x[0].device()));
        }
        Tensor loss = out.get("vision").square().mean().add(out.get("text").square().mean()).add(enc.hidden().square().mean());
        out.put("loss", loss.add(aux.mul(0.01)));
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"top1", "top2", "relative", "dropless", "capacity", "checkpointed"})
    void backboneInEveryModeMatchesTheCpuBitForBit(String name) throws Exception {
        EveConfig c = variant(name);
        compare(gen -> new MultiwayTransformer(c, gen), ModelOnFakeDeviceTest::backboneStep, ModelPiecesTest.inputs(new Generator(4), 3));
    }

    @Test
    void retrievalHeadTrainingStepMatchesTheCpuBitForBit() throws Exception {
        EveConfig c = tinyHeads(false);
        compare(gen -> new RetrievalModel(c, gen), (m, x) -> {
            Map<String, Tensor> out = new LinkedHashMap<>();
            Tensor v = m.embedForItc(x[0], null, null, Mode.VISION), t = m.embedForItc(null, x[1], x[2], Mode.TEXT);
            Tensor logits = m.itcLogits(v, t);
            Tensor same = Tensor.eye(3).to(logits.device());
            Tensor itc = RetrievalModel.itcLoss(logits, same);
            Tensor itm = F.crossEntropy(m.itmLogits(m.backbone().forward(x[0], x[1], x[2], Mode.VL)), Tensor.of(new long[] {1, 0, 1}).to(logits.device()));
            out.put("eval vision", m.embedForEval(x[0], null, null, Mode.VISION));
            out.put("itc logits", logits);
            out.put("itc", itc);
            out.put("itc (arange labels)", RetrievalModel.itcLoss(logits, null));
            out.put("itm", itm);
            out.put("loss", itc.add(itm));
            return out;
        }, ModelPiecesTest.inputs(new Generator(4), 3));
    }

    @Test
    void vqaHeadTrainingStepMatchesTheCpuBitForBit() throws Exception {
        EveConfig c = tinyHeads(false);
        float[] targets = new float[3 * 7];
        targets[2] = 1;
        targets[7 + 4] = 0.6f;
        targets[14 + 6] = 0.3f;
        compare(gen -> new VqaModel(c, gen), (m, x) -> {
            m.backbone().collectGateLoss();
            Tensor logits = m.logits(x[0], x[1], x[2]);
            Tensor vqa = F.binaryCrossEntropyWithLogits(logits, x[3]).mul(7);
            Tensor gate = m.backbone().takeGateLoss();
            return Map.of("logits", logits, "gate", gate, "loss", vqa.add(gate.mul(0.01)));
        }, concat(ModelPiecesTest.inputs(new Generator(4), 3), Tensor.of(targets, 3, 7)));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void nlvrHeadTrainingStepMatchesTheCpuBitForBit(boolean biattn) throws Exception {
        EveConfig c = tinyHeads(biattn);
        Tensor[] in = ModelPiecesTest.inputs(new Generator(4), 2);
        Tensor second = Tensor.randn(new Generator(5), 2, 3, 48, 48);
        compare(gen -> new NlvrModel(c, gen), (m, x) -> {
            NlvrModel.Outputs o = m.forward(x[0], x[3], x[1], x[2]);
            Tensor ce = F.crossEntropy(o.logits(), Tensor.of(new long[] {1, 0}).to(o.logits().device()));
            Map<String, Tensor> out = new LinkedHashMap<>();
            out.put("logits", o.logits());
            if (o.leftPool() != null) out.put("left pool", o.leftPool());
            out.put("loss", ce);
            return out;
        }, concat(in, second));
    }

    @Test
    void pretrainingStepMatchesTheCpuBitForBit() throws Exception {
        EveConfig c = ModelPiecesTest.tiny(2, false);
        PretrainConfig p = PretrainConfig.defaults().withDecoder(1, 16, 2);
        Tensor[] in = ModelPiecesTest.inputs(new Generator(4), 3);
        ImageMask im = ImageMask.sample(9, 0.6, new long[] {1, 2, 3});
        TextMask tm = TextMask.apply(in[1].toLongArray(), in[2].toLongArray(), new int[15], 5, 0.5, 49, true, 50, new long[] {4, 5, 6});
        compare(gen -> new PretrainModel(c, p, gen), (m, x) -> {
            Device d = x[0].device();
            PretrainModel.Output o = m.forward(x[0], im.to(d), tm.to(d), x[2]);
            assertNotNull(o.gate());
            return Map.of("mim", o.mim(), "mlm", o.mlm(), "gate", o.gate(), "loss", o.loss());
        }, in);
    }

    @Test
    void featureExtractorRunsOnTheFakeDevice() {
        Module cpu = EveModels.build(tinyHeads(false), Task.RETRIEVAL, new Generator(3));
        Module fake = EveModels.build(tinyHeads(false), Task.RETRIEVAL, new Generator(3)).to(FAKE);
        assertEquals(FAKE, EveModels.device(fake));
        Tensor[] in = ModelPiecesTest.inputs(new Generator(4), 2);
        Map<String, Tensor> inputs = Map.of("image", in[0], "text_ids", in[1], "text_atts", in[2]);
        Map<String, Tensor> onFake = new LinkedHashMap<>();
        inputs.forEach((k, v) -> onFake.put(k, v.to(FAKE)));
        Map<String, Tensor> a = new FeatureExtractor(cpu).run(inputs), b = new FeatureExtractor(fake).run(onFake);
        assertSameBits(a, b);
        assertEquals(FAKE, b.get("vl.out").device());
        // The features file takes tensors of any device.
        Map<String, Tensor> file = FeatureExtractor.forFile(b);
        for (Tensor t : file.values()) assertTrue(t.dtype() == DType.F32 || t.dtype() == DType.I64);
    }

    private static Tensor[] concat(Tensor[] a, Tensor... b) {
        List<Tensor> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(new Tensor[0]);
    }
}
