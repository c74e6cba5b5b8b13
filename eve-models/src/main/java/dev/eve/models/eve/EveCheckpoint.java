package dev.eve.models.eve;

import dev.eve.core.io.CheckpointException;
import dev.eve.core.io.StateDicts;
import dev.eve.core.nn.LoadReport;
import dev.eve.core.nn.Module;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads EVE checkpoints ({@code .pth} through the restricted unpickler or {@code .safetensors}, with
 * or without the {@code model} wrapper) and prepares them for a model as the original's
 * {@code load_pretrain_beit} does: the vision position embedding is interpolated (bicubic) when the
 * image resolution differs, and the position-id buffers are rebuilt rather than loaded.
 */
public final class EveCheckpoint {

    private static final List<String> REBUILT_BUFFERS = List.of("backbone.position_ids_vision", "backbone.position_ids_text");

    private EveCheckpoint() {}

    /** The state dict of a checkpoint file, adapted to {@code config}'s image resolution. */
    public static Map<String, Tensor> read(Path path, EveConfig config) {
        Map<String, Tensor> sd = new LinkedHashMap<>(StateDicts.load(path));
        Tensor pos = sd.get("backbone.pos_embed_vision");
        if (pos != null && !config.relativePositionEmbed()) {
            if (pos.dim() != 2 || pos.size(1) != config.hiddenSize())
                throw new CheckpointException(path + ": backbone.pos_embed_vision has shape " + java.util.Arrays.toString(pos.shape())
                        + " but the config's width is " + config.hiddenSize());
            try {
                sd.put("backbone.pos_embed_vision", PositionInterpolation.interpolate(pos, config.gridSize()));
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(path + ": backbone.pos_embed_vision: " + e.getMessage());
            }
        }
        for (String b : REBUILT_BUFFERS) sd.remove(b);
        return sd;
    }

    /**
     * Loads a checkpoint into a model. Non-strict loading reports missing and unexpected keys like
     * the original (shape mismatches always fail); strict loading fails on any of them, naming them.
     */
    public static LoadReport load(Module model, Path path, EveConfig config, boolean strict) {
        return apply(model, read(path, config), path, strict);
    }

    /** Loads a state dict produced by {@link #read} ({@code path} names it in errors). */
    public static LoadReport apply(Module model, Map<String, Tensor> sd, Path path, boolean strict) {
        Map<String, Tensor> filled = new LinkedHashMap<>(sd);
        // The rebuilt buffers count as present.
        Map<String, Tensor> own = model.stateDict();
        for (String b : REBUILT_BUFFERS) if (own.containsKey(b)) filled.put(b, own.get(b));
        LoadReport report = model.loadStateDict(filled, false);
        if (!report.mismatched().isEmpty() || (strict && !report.isClean()))
            throw new CheckpointException(path + " does not fit the config: " + report.summary());
        List<String> missing = new ArrayList<>(report.missing());
        return new LoadReport(missing, report.unexpected(), report.mismatched());
    }
}
