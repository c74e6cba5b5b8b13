package dev.eve.models.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.eve.core.io.fuzz.LoaderFuzzing;
import dev.eve.models.config.ConfigException;
import dev.eve.models.config.EveConfig;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;

/**
 * Model configs ({@code config_vlmoB_base64k.json} and merged model + task JSON): {@link EveConfig#load}
 * either returns a validated config or throws a one-line {@link ConfigException} naming the file.
 * Seeds: {@code EveConfigFuzzTestInputs/}.
 */
class EveConfigFuzzTest {

    @FuzzTest(maxDuration = "30s")
    @Timeout(10)
    void load(byte[] data) {
        Path p = LoaderFuzzing.write(LoaderFuzzing.cleanDir("config"), "config.json", data);
        LoaderFuzzing.check(p, 256, () -> EveConfig.load(p), ConfigException.class);
    }
}
