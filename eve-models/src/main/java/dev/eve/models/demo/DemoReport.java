package dev.eve.models.demo;

import dev.eve.core.autograd.NoGrad;
import dev.eve.core.io.AtomicFiles;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;
import dev.eve.models.config.PretrainConfig;
import dev.eve.models.config.TaskConfig;
import dev.eve.models.data.PretrainData;
import dev.eve.models.data.RetrievalData;
import dev.eve.models.data.synthetic.SyntheticExport;
import dev.eve.models.eve.EveCheckpoint;
import dev.eve.models.eve.Mode;
import dev.eve.models.eve.heads.PretrainModel;
import dev.eve.models.eve.heads.RetrievalModel;
import dev.eve.models.eve.moe.RoutingStats;
import dev.eve.models.report.Plots;
import dev.eve.models.tasks.TaskImages;
import dev.eve.models.tasks.TextBatches;
import dev.eve.models.tasks.retrieval.RetrievalEvaluator;
import dev.eve.models.text.Tokenizer;
import dev.eve.models.text.Tokenizers;
import dev.eve.models.train.MetricsLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's HTML report: training curves of every stage, the expert load per modality of each MoE
 * layer of the pre-trained model, retrieval examples with their images, and the headline numbers
 * next to their baselines. PNG plots (XChart) and one self-contained index.html beside them.
 */
final class DemoReport {

    /** Test pairs routed to measure the expert load. */
    private static final int ROUTED_PAIRS = 256;
    private static final int EXAMPLES = 4, TOP = 3;

    private DemoReport() {}

    static Path write(Path dir, SyntheticExport.Layout data, DemoConfigs configs, Path pretrainDir, Path retrievalDir, Path vqaDir,
                      Path nlvrDir, Map<String, Object> result) throws IOException {
        Files.createDirectories(dir.resolve("img"));
        StringBuilder html = new StringBuilder();
        html.append("<!doctype html><html><head><meta charset='utf-8'><title>EVE demo report</title><style>")
                .append("body{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}img.px{image-rendering:pixelated;width:96px;height:96px}")
                .append(".hit{outline:3px solid #2a2}.miss{outline:3px solid #ccc}figure{display:inline-block;margin:4px}")
                .append("</style></head><body><h1>EVE demo: pre-training and fine-tuning from scratch on a CPU</h1>");
        html.append("<p>Data: the built-in synthetic data set (").append(escape(data.root().toString()))
                .append("). Pre-training by masked signal modeling, then retrieval, VQA and NLVR2 fine-tuned from the pre-trained checkpoint.</p>");

        html.append("<h2>Results</h2><table><tr><th>metric</th><th>value</th><th>baseline</th></tr>");
        row(html, "pre-training loss, first step → last 10 steps", result.get("pretrain_loss_first"), result.get("pretrain_loss_last"));
        row(html, "retrieval text R@1 (image → text)", result.get("itr_tr_r1"), "chance " + fmt(result.get("itr_chance_r1")));
        row(html, "retrieval image R@1 (text → image)", result.get("itr_ir_r1"), "chance " + fmt(result.get("itr_chance_r1")));
        row(html, "VQA accuracy", result.get("vqa_acc"), "majority " + fmt(result.get("vqa_majority_acc")) + ", text only " + fmt(result.get("vqa_blind_acc")));
        row(html, "NLVR2 accuracy", result.get("nlvr_acc"), "text only " + fmt(result.get("nlvr_blind_acc")));
        html.append("</table>");

        html.append("<h2>Training curves</h2>");
        html.append(img(pretrainCurves(dir, pretrainDir))).append(img(finetuneCurves(dir, retrievalDir, vqaDir, nlvrDir)));

        html.append("<h2>Expert load per modality</h2><p>Share of first-choice routings per expert for image tokens and text "
                + "tokens of ").append(ROUTED_PAIRS).append(" held-out image-caption pairs, pre-trained model, full images.</p>");
        for (Path p : expertLoad(dir, configs.pretrain(), pretrainDir.resolve("model_best.safetensors"))) html.append(img(p));

        html.append("<h2>Retrieval examples</h2><p>Held-out captions and the top ").append(TOP)
                .append(" images the fine-tuned model retrieves for them (green: an image the caption was written for).</p>");
        html.append(retrievalExamples(dir, configs.retrieval(), retrievalDir.resolve("model_best.safetensors")));
        html.append("</body></html>\n");
        Path index = dir.resolve("index.html");
        AtomicFiles.write(index, html.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return index;
    }

    private static Path pretrainCurves(Path dir, Path runDir) {
        List<Map<String, Object>> rows = MetricsLog.read(runDir.resolve("metrics.jsonl"));
        List<Map<String, Object>> steps = rows.stream().filter(r -> !"eval".equals(r.get("event"))).toList();
        Map<String, Plots.Series> s = Plots.columns(steps, "global_step", List.of("loss", "loss_mim", "loss_mlm"));
        List<Plots.Series> series = new ArrayList<>();
        int window = Math.max(1, steps.size() / 50);
        for (Plots.Series x : s.values()) series.add(x.smoothed(window));
        return Plots.lines(dir.resolve("pretrain_loss.png"), "Pre-training loss (moving average)", "step", "loss", series, false);
    }

    private static Path finetuneCurves(Path dir, Path... runs) {
        List<Plots.Series> series = new ArrayList<>();
        String[] names = {"retrieval", "vqa", "nlvr2"};
        for (int i = 0; i < runs.length; i++) {
            List<Map<String, Object>> steps = MetricsLog.read(runs[i].resolve("metrics.jsonl")).stream()
                    .filter(r -> !"eval".equals(r.get("event"))).toList();
            Plots.Series loss = Plots.columns(steps, "global_step", List.of("loss")).get("loss");
            series.add(new Plots.Series(names[i], loss.x(), loss.y()).smoothed(Math.max(1, steps.size() / 50)));
        }
        return Plots.lines(dir.resolve("finetune_loss.png"), "Fine-tuning loss (moving average)", "step", "loss", series, true);
    }

    /** Routes held-out pairs through the pre-trained model; one bar chart per MoE layer. */
    private static List<Path> expertLoad(Path dir, Path yaml, Path checkpoint) {
        TaskConfig cfg = TaskConfig.load(yaml);
        EveConfig model = cfg.modelConfig();
        PretrainModel net = new PretrainModel(model, PretrainConfig.from(cfg), null);
        EveCheckpoint.apply(net, EveCheckpoint.read(checkpoint, model), checkpoint, true);
        net.eval();
        Tokenizer tok = Tokenizers.load(cfg.path("text_encoder"));
        List<PretrainData.Pair> pairs = PretrainData.read(cfg.paths("test_file"), cfg.path("image_root"));
        pairs = pairs.subList(0, Math.min(ROUTED_PAIRS, pairs.size()));
        List<dev.eve.models.eve.EncoderLayer> layers = net.backbone().encoder().layers().stream().filter(l -> l.moe() != null).toList();
        layers.forEach(l -> l.moe().stats().reset());
        try (var ignored = NoGrad.enter(); TaskImages images = new TaskImages(model.imageRes())) {
            int batch = 64;
            for (int i = 0; i < pairs.size(); i += batch) {
                List<PretrainData.Pair> b = pairs.subList(i, Math.min(pairs.size(), i + batch));
                Tensor imgs = images.evaluation().batch(b.stream().map(PretrainData.Pair::image).toList());
                Tensor[] text = TextBatches.encode(tok, b.stream().map(PretrainData.Pair::caption).toList(), model.textLength());
                net.backbone().forward(imgs, text[0], text[1], Mode.VL);
            }
        }
        List<Path> out = new ArrayList<>();
        for (dev.eve.models.eve.EncoderLayer layer : layers) {
            RoutingStats stats = layer.moe().stats();
            RoutingStats.Counts image = stats.get(RoutingStats.Modality.IMAGE), text = stats.get(RoutingStats.Modality.TEXT);
            int experts = image.firstChoice.length;
            List<String> names = new ArrayList<>();
            for (int e = 0; e < experts; e++) names.add("expert " + e);
            Map<String, double[]> bars = new LinkedHashMap<>();
            bars.put("image tokens", shares(image.firstChoice, image.tokens));
            bars.put("text tokens", shares(text.firstChoice, text.tokens));
            out.add(Plots.bars(dir.resolve("experts_layer" + layer.index() + ".png"),
                    "MoE layer " + layer.index() + ": first-choice share per expert", "expert", "share of tokens", names, bars));
        }
        return out;
    }

    private static double[] shares(long[] counts, long total) {
        double[] s = new double[counts.length];
        for (int i = 0; i < s.length; i++) s[i] = total == 0 ? 0 : counts[i] / (double) total;
        return s;
    }

    /** Top images of a few held-out captions (distinct images), with their pictures copied next to the report. */
    private static String retrievalExamples(Path dir, Path yaml, Path checkpoint) throws IOException {
        TaskConfig cfg = TaskConfig.load(yaml);
        EveConfig model = cfg.modelConfig();
        RetrievalModel net = new RetrievalModel(model, null);
        EveCheckpoint.apply(net, EveCheckpoint.read(checkpoint, model), checkpoint, true);
        Tokenizer tok = Tokenizers.load(cfg.path("text_encoder"));
        RetrievalData.EvalSet test = RetrievalData.eval(cfg.paths("test_file").get(0), cfg.path("image_root"));
        RetrievalEvaluator.Result r;
        try (TaskImages images = new TaskImages(model.imageRes())) {
            r = new RetrievalEvaluator(net, tok, images.evaluation(), cfg.integer("max_tokens", 40),
                    cfg.integer("batch_size_test", 64), cfg.integer("batch_size_test_text", 128)).evaluate(test, 0);
        }
        StringBuilder h = new StringBuilder();
        int step = Math.max(1, test.images().size() / EXAMPLES);
        for (int k = 0; k < EXAMPLES && k * step < test.images().size(); k++) {
            int text = test.img2txt().get(k * step)[0];
            float[] scores = r.t2i()[text];
            Integer[] order = new Integer[scores.length];
            for (int i = 0; i < order.length; i++) order[i] = i;
            java.util.Arrays.sort(order, (a, b) -> Float.compare(scores[b], scores[a]));
            h.append("<div><p><b>“").append(escape(test.texts().get(text))).append("”</b></p>");
            for (int j = 0; j < TOP && j < order.length; j++) {
                Path src = test.images().get(order[j]);
                String name = "r" + k + "_" + j + "_" + src.getFileName();
                Files.copy(src, dir.resolve("img").resolve(name), StandardCopyOption.REPLACE_EXISTING);
                boolean hit = test.txt2img()[text] == order[j];
                h.append("<figure><img class='px ").append(hit ? "hit" : "miss").append("' src='img/").append(name).append("'><figcaption>#")
                        .append(j + 1).append(String.format(Locale.ROOT, " %.3f", scores[order[j]])).append("</figcaption></figure>");
            }
            h.append("</div>");
        }
        return h.toString();
    }

    private static void row(StringBuilder h, String name, Object value, Object baseline) {
        h.append("<tr><td>").append(escape(name)).append("</td><td>").append(fmt(value)).append("</td><td>").append(fmt(baseline)).append("</td></tr>");
    }

    private static String img(Path p) {
        return "<p><img src='" + p.getFileName() + "'></p>";
    }

    private static String fmt(Object v) {
        return v instanceof Number n ? String.format(Locale.ROOT, "%.4f", n.doubleValue()) : escape(String.valueOf(v));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
    }
}
