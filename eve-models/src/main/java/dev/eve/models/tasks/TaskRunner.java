package dev.eve.models.tasks;

import dev.eve.core.io.StateDicts;
import dev.eve.core.nn.LoadReport;
import dev.eve.core.nn.Module;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;
import dev.eve.models.config.MoeParams;
import dev.eve.models.config.PretrainConfig;
import dev.eve.models.config.TaskConfig;
import dev.eve.models.data.NlvrData;
import dev.eve.models.data.PretrainData;
import dev.eve.models.data.RetrievalData;
import dev.eve.models.data.VqaData;
import dev.eve.models.data.image.ImageTransforms;
import dev.eve.models.eve.EveCheckpoint;
import dev.eve.models.eve.EveModels;
import dev.eve.models.eve.Task;
import dev.eve.models.eve.heads.NlvrModel;
import dev.eve.models.eve.heads.PretrainModel;
import dev.eve.models.eve.heads.RetrievalModel;
import dev.eve.models.eve.heads.VqaModel;
import dev.eve.models.tasks.nlvr.NlvrEvaluator;
import dev.eve.models.tasks.nlvr.NlvrTask;
import dev.eve.models.tasks.pretrain.PretrainTask;
import dev.eve.models.tasks.retrieval.RetrievalEvaluator;
import dev.eve.models.tasks.retrieval.RetrievalTask;
import dev.eve.models.tasks.vqa.VqaEvaluator;
import dev.eve.models.tasks.vqa.VqaResults;
import dev.eve.models.tasks.vqa.VqaTask;
import dev.eve.models.text.Tokenizer;
import dev.eve.models.text.Tokenizers;
import dev.eve.models.train.Trainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fine-tuning and evaluation of a task from the original's inputs (task YAML, checkpoint, flags):
 * what {@code eve run} does, usable from Java. Settings come from the options, then the README
 * recipe of the task, then the YAML.
 */
public final class TaskRunner {

    private static final Logger LOG = LoggerFactory.getLogger(TaskRunner.class);

    /** The original run.py flags (null = not given). */
    public record Options(String task, Path config, Path checkpoint, Path outputDir, Path outputHdfs, String augmentation,
                          Integer bs, Double lr, Double lrMult, Integer kTest, String vlmoConfig, boolean evaluate,
                          Boolean biattn, Integer epochs, Long seed, boolean resume, int replicas, boolean useRecipe,
                          Trainer.NonFinite onNonFinite, int checkpointEvery, int stopAfterEpochs) {}

    private TaskRunner() {}

    /** Runs the task on the CPU; returns the evaluation (with --evaluate) or the training summary. */
    public static Map<String, Object> run(Options o) throws IOException {
        return run(o, Device.CPU);
    }

    /**
     * Runs the task with the model on {@code device} (its batches are moved there as they are made);
     * returns the evaluation (with --evaluate) or the training summary.
     */
    public static Map<String, Object> run(Options o, Device device) throws IOException {
        return run(o, java.util.Collections.nCopies(o.replicas(), device));
    }

    /**
     * Runs the task with data-parallel replica r on {@code devices.get(r)} (the model on the first;
     * one device per replica, see {@link Trainer}); returns the evaluation or the training summary.
     */
    public static Map<String, Object> run(Options o, List<Device> devices) throws IOException {
        if (devices.size() != o.replicas())
            throw new IllegalArgumentException(devices.size() + " replica devices for " + o.replicas() + " replicas");
        Device device = devices.get(0);
        Task task = Task.parse(o.task().startsWith("itr") ? "retrieval" : o.task());
        if (task == Task.PRETRAIN) return pretrain(o, devices);
        Recipe recipe = Recipe.of(o.task());
        TaskConfig cfg = TaskConfig.load(o.config());
        if (o.vlmoConfig() != null) cfg = cfg.with("vlmo_config", o.vlmoConfig());
        boolean biattn = o.biattn() != null ? o.biattn() : (o.useRecipe() && task == Task.NLVR ? recipe.biattn() : cfg.bool("biattn", false));
        cfg = cfg.with("biattn", biattn);
        EveConfig model = cfg.modelConfig();
        // Deterministic routing at evaluation (the original's Gumbel noise off); noise in training as the original.
        model = model.withMoe(model.moe().withNoise(MoeParams.GumbelNoise.TRAINING_ONLY));
        Tokenizer tokenizer = Tokenizers.load(cfg.path("text_encoder") == null ? missing(cfg, "text_encoder") : cfg.path("text_encoder"));
        checkVocab(tokenizer, model);
        long seed = o.seed() != null ? o.seed() : (long) cfg.section("accelerator").number("RNG_SEED", 42);

        Map<String, Tensor> state = o.checkpoint() == null ? null : EveCheckpoint.read(o.checkpoint(), model);
        VqaData.AnswerList answers = null;
        if (task == Task.VQA) {
            answers = VqaData.AnswerList.load(cfg.path("answer_list") == null ? missing(cfg, "answer_list") : cfg.path("answer_list"));
            Tensor head = state == null ? null : state.get("output.3.weight");
            int classes = head != null ? head.size(0) : (cfg.has("vqa_vocab") ? cfg.integer("vqa_vocab", 3128) : Math.max(3128, answers.size()));
            if (classes < answers.size())
                throw new IllegalArgumentException("the classifier has " + classes + " outputs but " + cfg.path("answer_list") + " has " + answers.size() + " answers");
            model = model.withVqaVocab(classes);
        }
        Module net = EveModels.build(model, task, new Generator(seed));
        Set<String> fresh = new HashSet<>(net.namedParameters().keySet());
        if (state != null) {
            LoadReport report = EveCheckpoint.apply(net, state, o.checkpoint(), false);
            fresh.retainAll(report.missing());
            LOG.info("loaded {}: {}", o.checkpoint(), report.summary());
        } else if (o.evaluate()) {
            throw new IllegalArgumentException("--evaluate needs --checkpoint");
        }
        net.to(device);
        int res = model.imageRes();
        Path out = o.outputDir();
        try (TaskImages images = new TaskImages(res)) {
            return o.evaluate() ? evaluate(task, o, cfg, net, tokenizer, images, answers, recipe)
                    : train(task, o, cfg, model, net, tokenizer, images, answers, recipe, seed, fresh, out, devices);
        }
    }

    /** Token ids beyond the model's embedding would fail in the middle of a run: refused up front. */
    private static void checkVocab(Tokenizer tokenizer, EveConfig model) {
        if (tokenizer.vocabSize() > model.vocabSize())
            throw new IllegalArgumentException(tokenizer.describe() + " has " + tokenizer.vocabSize() + " ids but the model's vocab_size is "
                    + model.vocabSize() + ": its token ids would fall outside the embedding (use the model's tokenizer, or fix vocab_size)");
    }

    private static <T> T missing(TaskConfig cfg, String key) {
        throw new IllegalArgumentException(cfg.source() + ": missing required key " + key);
    }

    private static int kTest(Options o, TaskConfig cfg, Recipe r) {
        return o.kTest() != null ? o.kTest() : (o.useRecipe() && r.kTest() > 0 ? r.kTest() : cfg.integer("k_test", 0));
    }

    private static Map<String, Object> evaluate(Task task, Options o, TaskConfig cfg, Module net, Tokenizer tok, TaskImages images,
                                                VqaData.AnswerList answers, Recipe recipe) {
        Map<String, Object> result = new LinkedHashMap<>();
        switch (task) {
            case RETRIEVAL -> {
                RetrievalData.EvalSet test = RetrievalData.eval(cfg.paths("test_file").get(0), cfg.path("image_root"));
                RetrievalEvaluator ev = new RetrievalEvaluator((RetrievalModel) net, tok, images.evaluation(),
                        cfg.integer("max_tokens", 40), cfg.requiredInt("batch_size_test"), cfg.requiredInt("batch_size_test_text"));
                result.put("no_rerank", ev.evaluate(test, 0).metrics());
                int k = kTest(o, cfg, recipe);
                if (k > 0) result.put("rerank", ev.evaluate(test, k).metrics());
            }
            case VQA -> {
                List<VqaData.Question> test = VqaData.test(cfg.paths("test_file"), cfg.path("vqa_root"), cfg.path("vg_root"), cfg.dir());
                List<VqaEvaluator.Answer> answered = new VqaEvaluator((VqaModel) net, tok, images.evaluation(),
                        cfg.integer("max_tokens", 40), cfg.requiredInt("batch_size_test")).answer(test, answers);
                Path file = VqaResults.write(o.outputDir().resolve("result"), "vqa_eval", answered);
                result.put("result_file", file.toString());
                Map<Long, List<String>> refs = VqaData.referenceAnswers(cfg.paths("test_file"));
                if (cfg.has("test_answers")) refs.putAll(VqaData.referenceAnswers(cfg.paths("test_answers")));
                if (!refs.isEmpty()) {
                    result.put("vqa_accuracy", VqaResults.accuracy(answered, refs));
                    result.put("vqa_accuracy_min3", VqaResults.accuracyMin3(answered, refs));
                }
            }
            case NLVR -> {
                List<NlvrData.Example> test = NlvrData.read(cfg.paths("test_file"), cfg.path("image_root"));
                // NLVR_beit.py evaluates with the training loader's batch_size.
                int batch = cfg.has("batch_size") ? cfg.integer("batch_size", 1) : cfg.requiredInt("batch_size_test");
                NlvrEvaluator.Result r = new NlvrEvaluator((NlvrModel) net, tok, images.evaluation(), batch).evaluate(test);
                result.put("acc", r.formatted());
            }
        }
        EvalFiles.write(o.outputDir(), "eval_" + o.task() + ".json", result);
        return result;
    }

    private static Map<String, Object> train(Task task, Options o, TaskConfig cfg, EveConfig model, Module net, Tokenizer tok,
                                             TaskImages images, VqaData.AnswerList answers, Recipe recipe, long seed,
                                             Set<String> fresh, Path out, List<Device> devices) throws IOException {
        TaskConfig opt = cfg.section("optimizer"), sched = cfg.section("schedular"), acc = cfg.section("accelerator");
        double lr = o.lr() != null ? o.lr() : (o.useRecipe() ? recipe.lr(model.hiddenSize()) : opt.number("lr", 3e-5));
        double lrMult = o.lrMult() != null ? o.lrMult() : (o.useRecipe() ? recipe.lrMult() : opt.number("lr_mult", 1));
        int batch = o.bs() != null ? o.bs() : (o.useRecipe() ? recipe.batch()
                : cfg.integer("batch_size_train", cfg.integer("batch_size", 32)) * jobReplicas(devices));
        String aug = o.augmentation() != null ? o.augmentation() : (o.useRecipe() ? recipe.augmentation() : cfg.string("augmentation", null));
        int epochs = o.epochs() != null ? o.epochs() : sched.integer("epochs", 10);
        Trainer.Settings s = new Trainer.Settings(epochs, batch, o.replicas(), lr, lrMult, opt.number("weight_decay", 0.01),
                sched.string("sched", "linear"), sched.number("num_warmup_steps", 0.1), acc.number("CLIP_GRAD_NORM", 1.0),
                acc.integer("GRAD_ACCUMULATE_STEPS", 1), seed, out, o.outputHdfs(), o.resume(), o.checkpointEvery(), o.onNonFinite(),
                o.stopAfterEpochs());
        double gate = model.gateLossWeight();
        int textLength = cfg.integer("max_tokens", 40);
        int res = model.imageRes();
        EveConfig replicaConfig = model;
        switch (task) {
            case RETRIEVAL -> {
                RetrievalTask t = new RetrievalTask(o.task(), tok, images, ImageTransforms.train(ImageTransforms.Augmentation.parse(aug), res),
                        RetrievalData.train(cfg.paths("train_file"), cfg.path("image_root")),
                        RetrievalData.eval(cfg.paths("test_file").get(0), cfg.path("image_root")), textLength, gate,
                        new RetrievalTask.EvalSettings(cfg.integer("batch_size_test", 32), cfg.integer("batch_size_test_text", 128),
                                kTest(o, cfg, recipe), cfg.bool("rerank", false)), epochs, out);
                return new Trainer<>((RetrievalModel) net, () -> new RetrievalModel(replicaConfig, null), t, s, fresh, devices).fit();
            }
            case VQA -> {
                List<VqaData.Question> train = VqaData.train(cfg.paths("train_file"), cfg.path("vqa_root"), cfg.path("vg_root"), cfg.dir(), answers);
                List<VqaData.Question> test = VqaData.test(cfg.paths("test_file"), cfg.path("vqa_root"), cfg.path("vg_root"), cfg.dir());
                Map<Long, List<String>> refs = VqaData.referenceAnswers(cfg.paths("test_file"));
                if (cfg.has("test_answers")) refs.putAll(VqaData.referenceAnswers(cfg.paths("test_answers")));
                VqaTask t = new VqaTask(tok, images, ImageTransforms.vqaTrain(ImageTransforms.Augmentation.parse(aug), res), train, test,
                        refs, answers, textLength, model.vqaVocab(), cfg.integer("batch_size_test", 32), gate, out);
                return new Trainer<>((VqaModel) net, () -> new VqaModel(replicaConfig, null), t, s, fresh, devices).fit();
            }
            default -> {
                List<NlvrData.Example> train = NlvrData.read(cfg.paths("train_file"), cfg.path("image_root"));
                List<NlvrData.Example> test = NlvrData.read(cfg.paths("test_file"), cfg.path("image_root"));
                NlvrTask t = new NlvrTask(tok, images, ImageTransforms.train(ImageTransforms.Augmentation.parse(aug), res), train, test,
                        cfg.integer("batch_size", cfg.integer("batch_size_test", 16)), gate, out);
                return new Trainer<>((NlvrModel) net, () -> new NlvrModel(replicaConfig, null), t, s, fresh, devices).fit();
            }
        }
    }

    /**
     * Masked-signal-modeling pre-training: from scratch, or continued from {@code --checkpoint}
     * (any EVE checkpoint; its backbone, and its pre-training heads if it has them, are loaded).
     */
    private static Map<String, Object> pretrain(Options o, List<Device> devices) throws IOException {
        Device device = devices.get(0);
        if (o.evaluate()) throw new IllegalArgumentException("--evaluate is not defined for pretrain (its evaluation is the held-out loss of each epoch)");
        TaskConfig cfg = TaskConfig.load(o.config());
        if (o.vlmoConfig() != null) cfg = cfg.with("vlmo_config", o.vlmoConfig());
        EveConfig model = cfg.modelConfig();
        model = model.withMoe(model.moe().withNoise(MoeParams.GumbelNoise.TRAINING_ONLY));
        PretrainConfig pre = PretrainConfig.from(cfg);
        Tokenizer tokenizer = Tokenizers.load(cfg.path("text_encoder") == null ? missing(cfg, "text_encoder") : cfg.path("text_encoder"));
        checkVocab(tokenizer, model);
        long seed = o.seed() != null ? o.seed() : (long) cfg.section("accelerator").number("RNG_SEED", 42);
        EveConfig built = model;
        PretrainModel net = new PretrainModel(model, pre, new Generator(seed));
        Set<String> fresh = new HashSet<>(net.namedParameters().keySet());
        if (o.checkpoint() != null) {
            LoadReport report = EveCheckpoint.apply(net, EveCheckpoint.read(o.checkpoint(), model), o.checkpoint(), false);
            fresh.retainAll(report.missing());
            LOG.info("loaded {}: {}", o.checkpoint(), report.summary());
        }
        net.to(device);
        List<PretrainData.Pair> train = PretrainData.read(cfg.paths("train_file"), cfg.path("image_root"));
        List<PretrainData.Pair> heldOut = cfg.has("test_file") ? PretrainData.read(cfg.paths("test_file"), cfg.path("image_root")) : List.of();
        TaskConfig opt = cfg.section("optimizer"), sched = cfg.section("schedular"), acc = cfg.section("accelerator");
        int batch = o.bs() != null ? o.bs() : cfg.integer("batch_size_train", cfg.integer("batch_size", 32)) * jobReplicas(devices);
        int epochs = o.epochs() != null ? o.epochs() : sched.integer("epochs", 10);
        // From scratch every parameter is "new"; lr_mult only matters when continuing from a checkpoint.
        double lrMult = o.lrMult() != null ? o.lrMult() : opt.number("lr_mult", 1);
        Trainer.Settings s = new Trainer.Settings(epochs, batch, o.replicas(), o.lr() != null ? o.lr() : opt.number("lr", 1.5e-4), lrMult,
                opt.number("weight_decay", 0.05), sched.string("sched", "cos"), sched.number("num_warmup_steps", 0.05),
                acc.number("CLIP_GRAD_NORM", 1.0), acc.integer("GRAD_ACCUMULATE_STEPS", 1), seed, o.outputDir(), o.outputHdfs(),
                o.resume(), o.checkpointEvery(), o.onNonFinite(), o.stopAfterEpochs());
        String aug = o.augmentation() != null ? o.augmentation() : cfg.string("augmentation", "resize");
        int res = model.imageRes();
        try (TaskImages images = new TaskImages(res)) {
            var transform = ImageTransforms.train(ImageTransforms.Augmentation.parse(aug), res);
            PretrainTask t = new PretrainTask(tokenizer, images, transform, train, heldOut, cfg.integer("max_tokens", 40), pre,
                    cfg.integer("batch_size_test", 32), o.outputDir());
            return new Trainer<>(net, () -> new PretrainModel(built, pre, null), t, s, fresh, devices).fit();
        }
    }

    /**
     * Replicas in the whole job, for the YAML's per-replica batch: this process's, times the machines
     * of a torchrun-style job (WORLD_SIZE) when the replicas have devices of their own (GPUs over NCCL;
     * replicas sharing one device are threads of this process only).
     */
    static int jobReplicas(List<Device> devices) {
        boolean ownDevices = devices.stream().distinct().count() == devices.size() && !devices.get(0).isCpu();
        String world = System.getenv("WORLD_SIZE");
        int machines = 1;
        if (ownDevices && world != null && !world.isBlank()) {
            try {
                machines = Math.max(1, Integer.parseInt(world.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("WORLD_SIZE must be an integer, got '" + world.trim() + "'");
            }
        }
        return devices.size() * machines;
    }

    /** For tools: the detected task of a checkpoint. */
    public static Task detect(Path checkpoint) {
        return Task.detect(StateDicts.load(checkpoint));
    }
}
