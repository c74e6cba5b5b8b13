package dev.eve.models.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.core.backend.Backends;
import dev.eve.core.tensor.Device;
import dev.eve.models.tasks.TaskRunner;
import dev.eve.models.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code eve run}: fine-tune or evaluate a task with the original run.py's flags. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Fine-tune or evaluate EVE on a task (the original run.py flags). Settings not given here come from "
                + "the README recipe of the task, then from the task YAML (use --no-recipe to prefer the YAML).")
final class RunCommand implements Callable<Integer> {

    private static final Set<String> TASKS = Set.of("itr_coco", "itr_flickr", "vqa", "nlvr", "pretrain");

    @Option(names = "--task", required = true, description = "itr_coco, itr_flickr, vqa, nlvr or pretrain.")
    String task;

    @Option(names = "--dist", defaultValue = "all",
            description = "Data-parallel replicas: all (every GPU when the CUDA backend, eve-cuda, finds one; else one CPU replica), "
                    + "cpu, cpu:N (N replicas as CPU threads), cuda (every GPU) or cuda:N (the first N GPUs), one replica per GPU, "
                    + "gradients averaged with NCCL during backward. Several machines: start one process per machine with torchrun's "
                    + "MASTER_ADDR, MASTER_PORT, RANK (the machine) and WORLD_SIZE (the machines); each uses its GPUs as --dist says "
                    + "(default: ${DEFAULT-VALUE}).")
    String dist;

    @Option(names = "--device",
            description = "One replica on this device: cpu, cuda or cuda:N (the N-th GPU). It replaces --dist all; use --dist for "
                    + "several replicas (default: as --dist says).")
    String device;

    @Option(names = "--config", required = true, description = "Task YAML in the original format (paths relative to it).")
    Path config;

    @Option(names = "--checkpoint", description = "Pre-trained or fine-tuned checkpoint (.pth or .safetensors).")
    Path checkpoint;

    @Option(names = "--output_dir", required = true, description = "Where checkpoints, metrics and results go.")
    Path outputDir;

    @Option(names = "--output_hdfs", description = "A second output location that receives a copy of every result file.")
    Path outputHdfs;

    @Option(names = "--augmentation", description = "None, color, rand (the original's) or resize (no random augmentation).")
    String augmentation;

    @Option(names = "--bs", description = "Total batch size (over all replicas).")
    Integer bs;

    @Option(names = "--lr", description = "Peak learning rate.")
    Double lr;

    @Option(names = "--lr_mult", description = "Learning-rate factor of the newly initialised head parameters.")
    Double lrMult;

    @Option(names = "--k_test", description = "Retrieval: re-rank the top k candidates with ITM (0: no re-rank).")
    Integer kTest;

    @Option(names = "--vlmo_config", description = "Model config (the original vlmo JSON, or base / large).")
    String vlmoConfig;

    @Option(names = "--evaluate", description = "Only evaluate the checkpoint.")
    boolean evaluate;

    @Option(names = "--biattn", description = "NLVR2: the bi-attention head.")
    Boolean biattn;

    @Option(names = "--epochs", description = "Epochs (default: the YAML's schedular.epochs).")
    Integer epochs;

    @Option(names = "--seed", description = "Random seed (default: the YAML's accelerator.RNG_SEED).")
    Long seed;

    @Option(names = "--resume", description = "Continue from OUTPUT_DIR/checkpoint_latest.safetensors exactly.")
    boolean resume;

    @Option(names = "--no-recipe", description = "Take unset settings from the YAML instead of the README recipe.")
    boolean noRecipe;

    @Option(names = "--skip-nonfinite", description = "Skip a step whose loss or gradient is NaN/inf instead of stopping.")
    boolean skipNonFinite;

    @Option(names = "--checkpoint-every", defaultValue = "0", description = "Also checkpoint every N steps within an epoch (default: only at epoch ends).")
    int checkpointEvery;

    @Option(names = "--stop-after-epochs", defaultValue = "0", description = "Stop after this many epochs of this invocation (resume later with --resume).")
    int stopAfterEpochs;

    @Option(names = "--debug", description = "Show stack traces on errors.")
    boolean debug;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** A wrong flag value: a usage error (one line, exit code 2), like picocli's own. */
    private picocli.CommandLine.ParameterException bad(String message) {
        return new picocli.CommandLine.ParameterException(spec.commandLine(), message);
    }

    @Override
    public Integer call() throws Exception {
        String t = task.toLowerCase(Locale.ROOT);
        if (!TASKS.contains(t)) throw bad("--task must be one of itr_coco, itr_flickr, vqa, nlvr, pretrain; got '" + task + "'");
        if (bs != null && bs < 1) throw bad("--bs must be positive, got " + bs);
        if (lr != null && !(lr > 0 && lr < Double.POSITIVE_INFINITY)) throw bad("--lr must be positive and finite, got " + lr);
        if (lrMult != null && !(lrMult > 0 && lrMult < Double.POSITIVE_INFINITY)) throw bad("--lr_mult must be positive and finite, got " + lrMult);
        if (kTest != null && kTest < 0) throw bad("--k_test must be >= 0, got " + kTest);
        if (epochs != null && epochs < 1) throw bad("--epochs must be >= 1, got " + epochs);
        if (checkpointEvery < 0) throw bad("--checkpoint-every must be >= 0, got " + checkpointEvery);
        if (stopAfterEpochs < 0) throw bad("--stop-after-epochs must be >= 0, got " + stopAfterEpochs);
        List<Device> devices;
        try {
            if (augmentation != null) dev.eve.models.data.image.ImageTransforms.Augmentation.parse(augmentation);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        try {
            if (device != null) Device.parse(device);
        } catch (IllegalArgumentException e) {
            throw bad("--device: " + e.getMessage());
        }
        try {
            devices = ReplicaDevices.parse(dist, device, thisMachine());
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        // Before anything slow: a missing backend, driver or GPU fails here, in one line naming what was looked for.
        for (Device d : devices) Backends.of(d);
        int replicas = devices.size();
        checkOutputDir(outputDir, "--output_dir");
        var options = new TaskRunner.Options(t, config, checkpoint, outputDir, outputHdfs, augmentation, bs, lr, lrMult, kTest,
                vlmoConfig, evaluate, biattn, epochs, seed, resume, replicas, !noRecipe,
                skipNonFinite ? Trainer.NonFinite.SKIP : Trainer.NonFinite.STOP, checkpointEvery, stopAfterEpochs);
        Map<String, Object> result = TaskRunner.run(options, devices);
        System.out.println(new ObjectMapper().writeValueAsString(result));
        return 0;
    }

    /** The output folder is made and probed before anything slow, so a bad one fails at once, by name. */
    static void checkOutputDir(Path dir, String flag) {
        try {
            java.nio.file.Files.createDirectories(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new IllegalArgumentException(flag + " " + dir + ": exists and is not a directory");
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(flag + " " + dir + ": cannot create it (" + EveCommand.describe(e) + ")");
        }
        try {
            java.nio.file.Files.delete(java.nio.file.Files.createTempFile(dir, ".eve-write-check", ".tmp"));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(flag + " " + dir + ": not writable (" + EveCommand.describe(e) + ")");
        }
    }

    /** This machine's backends and devices, and the machines of a torchrun-style job (WORLD_SIZE). */
    static ReplicaDevices.Machine thisMachine() {
        String world = System.getenv("WORLD_SIZE");
        int machines;
        try {
            machines = world == null || world.isBlank() ? 1 : Integer.parseInt(world.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("WORLD_SIZE must be an integer, got '" + world.trim() + "'");
        }
        return new ReplicaDevices.Machine(t -> Backends.deviceTypes().contains(t), Backends::deviceCount, machines);
    }
}
