package dev.eve.models.examples;

import dev.eve.models.tasks.TaskRunner;
import dev.eve.models.train.Trainer;

import java.nio.file.Path;
import java.util.Map;

/**
 * Example: pre-train EVE by masked signal modeling (masked patches and tokens reconstructed from the
 * visible ones) on image-text pairs through the Java API. The task YAML names the pair files (JSON
 * lines or the original JSON list), the image root, the model config and the tokenizer; a checkpoint
 * to start from is optional. Usage:
 * <pre>java --add-modules jdk.incubator.vector -cp eve-cli.jar dev.eve.models.examples.PretrainExample TASK.yaml OUTPUT_DIR [CHECKPOINT]</pre>
 * {@code eve demo} writes such a YAML ({@code runs/demo/data/pretrain.yaml}) for its synthetic pairs.
 */
public final class PretrainExample {

    private PretrainExample() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: PretrainExample TASK.yaml OUTPUT_DIR [CHECKPOINT]");
            System.exit(2);
        }
        Path checkpoint = args.length > 2 ? Path.of(args[2]) : null;
        TaskRunner.Options options = new TaskRunner.Options("pretrain", Path.of(args[0]), checkpoint, Path.of(args[1]), null,
                null, null, null, null, null, null, false, null, null, null, false, 1, false, Trainer.NonFinite.STOP, 0, 0);
        Map<String, Object> result = TaskRunner.run(options);
        System.out.println(result);
    }
}
