package dev.eve.models.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eve.models.demo.EveDemo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code eve demo}: EVE pre-trained and fine-tuned from scratch on the built-in synthetic data set. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Pre-train a small EVE (with MoE layers) by masked signal modeling on built-in synthetic image-text data,",
                "fine-tune and evaluate retrieval, VQA and NLVR2, write an HTML report, and print one line of JSON."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--out", description = "Output folder (default: ${DEFAULT-VALUE}).", defaultValue = "runs/demo")
    Path out;

    @Option(names = "--seed", description = "Training seed (default: ${DEFAULT-VALUE}).", defaultValue = "42")
    long seed;

    @Option(names = "--debug", description = "Show stack traces on errors.")
    boolean debug;

    @Override
    public Integer call() throws Exception {
        EveDemo.Config d = EveDemo.Config.defaults(out);
        EveDemo.Config c = new EveDemo.Config(out, d.data(), seed, d.pretrainEpochs(), d.retrievalEpochs(), d.vqaEpochs(),
                d.nlvrEpochs(), d.overrides());
        Map<String, Object> result = EveDemo.run(c);
        System.err.println("report: " + result.get("report"));
        System.out.println(new ObjectMapper().writeValueAsString(result));
        return 0;
    }
}
