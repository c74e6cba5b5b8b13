package dev.eve.models.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eve.core.io.CheckpointException;
import dev.eve.core.io.SafeTensors;
import dev.eve.core.nn.Module;
import dev.eve.core.optim.AdamW;
import dev.eve.core.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One file that resumes training exactly: the model ({@code model.*}), the optimizer moments
 * ({@code optimizer.*}) and the loop position, best score and settings (JSON in the metadata).
 * Written atomically, so a crash leaves the previous checkpoint intact.
 */
public final class TrainingCheckpoint {

    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String FORMAT = "eve-training-checkpoint";

    /** Where the loop stands. {@code step} counts optimizer steps done in {@code epoch}. */
    public record Position(int epoch, int step, long globalStep, double best, int bestEpoch) {}

    private TrainingCheckpoint() {}

    public static void save(Path file, Module model, AdamW optimizer, Position pos, Map<String, Object> info) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> tensors.put("model." + k, v));
        optimizer.stateDict().forEach((k, v) -> tensors.put("optimizer." + k, v));
        ObjectNode meta = JSON.createObjectNode();
        meta.put("epoch", pos.epoch());
        meta.put("step", pos.step());
        meta.put("global_step", pos.globalStep());
        meta.put("best", pos.best());
        meta.put("best_epoch", pos.bestEpoch());
        meta.put("lr", optimizer.lr());
        meta.set("info", JSON.valueToTree(info));
        SafeTensors.save(file, tensors, Map.of("format", FORMAT, "state", meta.toString()));
    }

    /** Restores model and optimizer; returns the position to continue from. */
    public static Position load(Path file, Module model, AdamW optimizer) {
        Map<String, Tensor> modelState = new LinkedHashMap<>(), optState = new LinkedHashMap<>();
        JsonNode meta;
        try (SafeTensors f = SafeTensors.open(file)) {
            if (!FORMAT.equals(f.metadata().get("format")))
                throw new CheckpointException(file + ": not a training checkpoint (format=" + f.metadata().get("format") + ")");
            try {
                meta = JSON.readTree(f.metadata().get("state"));
            } catch (IOException | RuntimeException e) {
                throw new CheckpointException(file + ": unreadable training state in the metadata", e);
            }
            for (String name : f.names()) {
                if (name.startsWith("model.")) modelState.put(name.substring(6), f.tensor(name));
                else if (name.startsWith("optimizer.")) optState.put(name.substring(10), f.tensor(name));
            }
        }
        try {
            model.loadStateDict(modelState, true);
            optimizer.loadStateDict(optState);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": " + e.getMessage(), e);
        }
        optimizer.setLr(meta.path("lr").asDouble(optimizer.lr()));
        return new Position(meta.path("epoch").asInt(), meta.path("step").asInt(), meta.path("global_step").asLong(),
                meta.path("best").asDouble(), meta.path("best_epoch").asInt());
    }

    public static boolean exists(Path file) {
        return Files.isRegularFile(file);
    }
}
