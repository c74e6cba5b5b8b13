package dev.eve.models.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.eve.core.io.fuzz.LoaderFuzzing;
import dev.eve.models.config.ConfigException;
import dev.eve.models.config.PretrainConfig;
import dev.eve.models.config.TaskConfig;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

/**
 * Task configs (the original's YAML): {@link TaskConfig#load} and then what the tasks read from it
 * (paths, numbers, flags, sections, the model config it names, the pre-training settings) either
 * succeed or throw a one-line {@link ConfigException} naming the file. Seeds: {@code TaskConfigFuzzTestInputs/}.
 */
class TaskConfigFuzzTest {

    @FuzzTest(maxDuration = "30s")
    @Timeout(10)
    void load(byte[] data) {
        Path p = LoaderFuzzing.write(LoaderFuzzing.cleanDir("task"), "task.yaml", data);
        LoaderFuzzing.check(p, 256, () -> {
            TaskConfig cfg = TaskConfig.load(p);
            cfg.paths("train_file");
            cfg.paths("test_file");
            cfg.path("image_root");
            cfg.path("text_encoder");
            cfg.integer("batch_size_train", 8);
            cfg.integer("max_tokens", 40);
            cfg.string("augmentation", "none");
            cfg.bool("rerank", false);
            cfg.section("optimizer").number("lr", 1e-4);
            cfg.section("schedular").string("sched", "cosine");
            PretrainConfig.from(cfg);
            if (cfg.has("vlmo_config")) cfg.modelConfig();
        }, ConfigException.class);
    }
}
