package dev.eve.models.examples;

import dev.eve.models.tasks.TaskRunner;
import dev.eve.models.train.Trainer;

import java.nio.file.Path;
import java.util.Map;

/**
 * Example: fine-tune and evaluate EVE on NLVR2 (bi-attention head) through the Java API, with the task's
 * README recipe. Usage:
 * <pre>java --add-modules jdk.incubator.vector -cp eve-cli.jar dev.eve.models.examples.NlvrExample TASK.yaml CHECKPOINT OUTPUT_DIR [--evaluate]</pre>
 */
public final class NlvrExample {

    private NlvrExample() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: NlvrExample TASK.yaml CHECKPOINT OUTPUT_DIR [--evaluate]");
            System.exit(2);
        }
        boolean evaluate = args.length > 3 && args[3].equals("--evaluate");
        TaskRunner.Options options = new TaskRunner.Options("nlvr", Path.of(args[0]), Path.of(args[1]), Path.of(args[2]), null,
                null, null, null, null, null, null, evaluate, null, null, null, false, 1, true, Trainer.NonFinite.STOP, 0, 0);
        Map<String, Object> result = TaskRunner.run(options);
        System.out.println(result);
    }
}
