package dev.eve.models.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.models.data.synthetic.Settings;
import dev.eve.models.data.synthetic.StatementType;
import dev.eve.models.data.synthetic.SyntheticExport;
import dev.eve.models.data.synthetic.SyntheticStats;
import dev.eve.models.tasks.TaskRunner;
import dev.eve.models.train.MetricsLog;
import dev.eve.models.train.Trainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The embedded demo: EVE learns vision and language from scratch on this machine. It writes the
 * built-in synthetic data set in the original file formats, pre-trains a small EVE with MoE layers
 * by masked signal modeling ({@code eve run --task pretrain}), fine-tunes and evaluates retrieval,
 * VQA and NLVR2 from that checkpoint ({@code eve run --task itr_coco / vqa / nlvr}, the same code
 * path as real data), then writes an HTML report and returns the headline numbers.
 */
public final class EveDemo {

    private static final Logger LOG = LoggerFactory.getLogger(EveDemo.class);

    /**
     * @param out        everything goes here: data/, pretrain/, retrieval/, vqa/, nlvr/, report/
     * @param data       the synthetic data set
     * @param seed       training seed
     * @param pretrainEpochs, retrievalEpochs, vqaEpochs, nlvrEpochs  epochs of each stage
     * @param overrides  task-config values set on every stage's YAML (e.g. batch sizes), may be empty
     */
    public record Config(Path out, Settings data, long seed, int pretrainEpochs, int retrievalEpochs, int vqaEpochs,
                         int nlvrEpochs, Map<String, Object> overrides) {

        /**
         * The README's demo, sized to finish within 10 minutes on 2 CPU cores: the default data set, with
         * NLVR2 statements of the one family ({@link StatementType#COLOUR_SIDE}) a model this small learns
         * in a few hundred steps, twice as many of them (each is one statement over a fresh image pair).
         * The harder families (counts, comparisons, shape-and-colour conjunctions) stay at chance at this
         * size, and mixed in they keep the easy one from being learnt as well. NLVR2 gets 6 epochs: its
         * accuracy takes off after a number of steps that varies with the seed, and at 4 it ended
         * between 0.58 and 0.63 over three seeds.
         */
        public static Config defaults(Path out) {
            Settings data = Settings.defaults().withStatementTypes(EnumSet.of(StatementType.COLOUR_SIDE)).withNlvr(2048, 256);
            return new Config(out, data, 42, 15, 2, 3, 6, Map.of());
        }
    }

    private EveDemo() {}

    /** Runs every stage; returns the headline metrics (fractions in [0, 1]) plus where things are. */
    public static Map<String, Object> run(Config c) throws IOException {
        long start = System.nanoTime();
        Files.createDirectories(c.out());
        LOG.info("writing the synthetic data set to {}", c.out().resolve("data"));
        SyntheticExport.Layout data = SyntheticExport.write(c.data(), c.out().resolve("data"));
        SyntheticStats stats = data.stats();
        DemoConfigs configs = DemoConfigs.write(data, c.overrides());

        Path pretrainDir = c.out().resolve("pretrain");
        stage("pretrain", configs.pretrain(), null, pretrainDir, c.pretrainEpochs(), c.seed());
        Path pretrained = pretrainDir.resolve("model_best.safetensors");

        Path retrievalDir = c.out().resolve("retrieval");
        Map<String, Object> retrieval = stage("itr_coco", configs.retrieval(), pretrained, retrievalDir, c.retrievalEpochs(), c.seed());
        Path vqaDir = c.out().resolve("vqa");
        Map<String, Object> vqa = stage("vqa", configs.vqa(), pretrained, vqaDir, c.vqaEpochs(), c.seed());
        Path nlvrDir = c.out().resolve("nlvr");
        Map<String, Object> nlvr = stage("nlvr", configs.nlvr(), pretrained, nlvrDir, c.nlvrEpochs(), c.seed());

        List<Map<String, Object>> pretrainRows = MetricsLog.read(pretrainDir.resolve("metrics.jsonl"));
        Map<String, Object> result = new LinkedHashMap<>();
        double[] losses = pretrainRows.stream().filter(r -> r.get("loss") instanceof Number && !"eval".equals(r.get("event")))
                .mapToDouble(r -> ((Number) r.get("loss")).doubleValue()).toArray();
        result.put("pretrain_loss_first", losses[0]);
        result.put("pretrain_loss_last", tailMean(losses, 10));
        @SuppressWarnings("unchecked")
        Map<String, Object> recalls = (Map<String, Object>) lastEval(retrieval).getOrDefault("rerank", lastEval(retrieval).get("no_rerank"));
        result.put("itr_tr_r1", percent(recalls.get("txt_r1")));
        result.put("itr_ir_r1", percent(recalls.get("img_r1")));
        result.put("itr_chance_r1", stats.retrievalChanceR1());
        result.put("vqa_acc", number(lastEval(vqa).get("vqa_accuracy")));
        result.put("vqa_majority_acc", stats.vqaMajorityAccuracy());
        result.put("vqa_blind_acc", stats.vqaBlindAccuracy());
        result.put("nlvr_acc", number(lastEval(nlvr).get("accuracy")));
        result.put("nlvr_blind_acc", stats.nlvrBlindAccuracy());

        Path report = DemoReport.write(c.out().resolve("report"), data, configs, pretrainDir, retrievalDir, vqaDir, nlvrDir, result);
        result.put("seconds", Math.round((System.nanoTime() - start) / 1e8) / 10.0);
        result.put("report", report.toString());
        Files.writeString(c.out().resolve("result.json"), new ObjectMapper().writeValueAsString(result) + "\n");
        return result;
    }

    private static Map<String, Object> stage(String task, Path config, Path checkpoint, Path out, int epochs, long seed) throws IOException {
        LOG.info("{}: {} epochs -> {}", task, epochs, out);
        TaskRunner.Options o = new TaskRunner.Options(task, config, checkpoint, out, null, null, null, null, null, null, null,
                false, null, epochs, seed, false, 1, false, Trainer.NonFinite.STOP, 0, 0);
        return TaskRunner.run(o);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> lastEval(Map<String, Object> summary) {
        Object e = summary.get("last_eval");
        if (!(e instanceof Map)) throw new IllegalStateException("the run ended without an evaluation: " + summary);
        return (Map<String, Object>) e;
    }

    private static double tailMean(double[] v, int n) {
        int k = Math.min(n, v.length);
        double s = 0;
        for (int i = v.length - k; i < v.length; i++) s += v[i];
        return s / k;
    }

    /** The original reports recalls in percent; the demo's line uses fractions. */
    private static double percent(Object v) {
        return number(v) / 100.0;
    }

    private static double number(Object v) {
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof String s) return Double.parseDouble(s);
        throw new IllegalStateException("not a number: " + v);
    }
}
