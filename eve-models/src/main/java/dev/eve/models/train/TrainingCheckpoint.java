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
 * Written atomically, so a crash leaves the previous checkpoint intact; never written with NaN or
 * infinite values (the previous checkpoint is kept and the save fails, naming the tensor).
 */
public final class TrainingCheckpoint {

    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String FORMAT = "eve-training-checkpoint";

    /**
     * Where the loop stands. {@code step} counts optimizer steps done in {@code epoch};
     * {@code metricsBytes} is the length of the metrics file at that point (-1: unknown).
     */
    public record Position(int epoch, int step, long globalStep, double best, int bestEpoch, long metricsBytes) {
        public Position(int epoch, int step, long globalStep, double best, int bestEpoch) {
            this(epoch, step, globalStep, best, bestEpoch, -1);
        }
    }

    /** A save refused because a tensor holds NaN or infinite values. */
    public static final class NonFiniteStateException extends CheckpointException {
        private final String tensor;

        NonFiniteStateException(Path file, String tensor) {
            this(file, tensor, null);
        }

        NonFiniteStateException(Path file, String tensor, String note) {
            super("refusing to write " + file + ": " + tensor + (note == null ? "" : " (" + note + ")") + " has NaN or infinite values"
                    + (Files.exists(file) ? " (the last good checkpoint is kept)" : ""));
            this.tensor = tensor;
        }

        /** The first tensor (in file order) with a non-finite value. */
        public String tensor() {
            return tensor;
        }
    }

    /** The name of the first floating tensor with a NaN or infinite value, or null. */
    public static String firstNonFinite(Map<String, Tensor> tensors) {
        for (Map.Entry<String, Tensor> e : tensors.entrySet())
            if (e.getValue().dtype().isFloating() && !e.getValue().allFinite()) return e.getKey();
        return null;
    }

    private TrainingCheckpoint() {}

    public static void save(Path file, Module model, AdamW optimizer, Position pos, Map<String, Object> info) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> tensors.put("model." + k, v));
        optimizer.stateDict().forEach((k, v) -> tensors.put("optimizer." + k, v));
        String bad = firstNonFinite(tensors);
        if (bad != null) throw new NonFiniteStateException(file, bad, bad.startsWith("optimizer.") ? momentOf(bad, model, optimizer) : null);
        ObjectNode meta = JSON.createObjectNode();
        meta.put("epoch", pos.epoch());
        meta.put("step", pos.step());
        meta.put("global_step", pos.globalStep());
        meta.put("best", pos.best());
        meta.put("best_epoch", pos.bestEpoch());
        meta.put("metrics_bytes", pos.metricsBytes());
        meta.put("lr", optimizer.lr());
        meta.set("info", JSON.valueToTree(info));
        SafeTensors.save(file, tensors, Map.of("format", FORMAT, "state", meta.toString()));
    }

    /** "the exp_avg of PARAM" for an optimizer key {@code optimizer.<group>.<index>.<what>}. */
    private static String momentOf(String key, Module model, AdamW optimizer) {
        String[] parts = key.split("\\.");
        try {
            Tensor p = optimizer.groups().get(Integer.parseInt(parts[1])).params().get(Integer.parseInt(parts[2]));
            for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet())
                if (e.getValue() == p) return "the " + parts[3] + " of " + e.getKey();
        } catch (RuntimeException ignored) {
            // not a key of the usual form: the key alone names it
        }
        return null;
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
                meta.path("best").asDouble(), meta.path("best_epoch").asInt(), meta.path("metrics_bytes").asLong(-1));
    }

    /** The settings a checkpoint was written with (the {@code info} of {@link #save}); empty if unreadable. */
    public static Map<String, Object> info(Path file) {
        try (SafeTensors f = SafeTensors.open(file)) {
            JsonNode info = JSON.readTree(f.metadata().getOrDefault("state", "{}")).path("info");
            Map<String, Object> out = new LinkedHashMap<>();
            if (info.isObject()) info.properties().forEach(e -> out.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class)));
            return out;
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
    }

    public static boolean exists(Path file) {
        return Files.isRegularFile(file);
    }
}
