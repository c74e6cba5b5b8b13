package dev.eve.models.eve;

import dev.eve.core.nn.Module;
import dev.eve.core.tensor.Device;
import dev.eve.core.tensor.Generator;
import dev.eve.models.config.EveConfig;
import dev.eve.models.eve.heads.NlvrModel;
import dev.eve.models.eve.heads.RetrievalModel;
import dev.eve.models.eve.heads.VqaModel;

/** Builds the task model of a config. */
public final class EveModels {

    private EveModels() {}

    /**
     * The model of a task, initialised from {@code gen} as the original initialises it; with a null
     * generator every parameter starts at zero (for loading a checkpoint right after).
     */
    public static Module build(EveConfig config, Task task, Generator gen) {
        return switch (task) {
            case RETRIEVAL -> new RetrievalModel(config, gen);
            case VQA -> new VqaModel(config, gen);
            case NLVR -> new NlvrModel(config, gen);
            case PRETRAIN -> new dev.eve.models.eve.heads.PretrainModel(config, dev.eve.models.config.PretrainConfig.defaults(), gen);
        };
    }

    /**
     * Where a task model's weights are, and so where its inputs must be: the device of the backbone's
     * word embeddings ({@code Module.to(Device)} moves every weight together).
     */
    public static Device device(Module model) {
        return backbone(model).wordEmbeddingWeight().device();
    }

    /** The backbone of a task model. */
    public static MultiwayTransformer backbone(Module model) {
        if (model instanceof RetrievalModel r) return r.backbone();
        if (model instanceof VqaModel v) return v.backbone();
        if (model instanceof NlvrModel n) return n.backbone();
        if (model instanceof dev.eve.models.eve.heads.PretrainModel p) return p.backbone();
        if (model instanceof MultiwayTransformer m) return m;
        throw new IllegalArgumentException("not an EVE model: " + model.getClass().getName());
    }
}
