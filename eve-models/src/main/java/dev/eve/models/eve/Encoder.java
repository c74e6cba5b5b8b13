package dev.eve.models.eve;

import dev.eve.core.nn.F;
import dev.eve.core.nn.Module;
import dev.eve.core.nn.ModuleList;
import dev.eve.core.tensor.Generator;
import dev.eve.core.tensor.Tensor;
import dev.eve.models.config.EveConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The stack of {@link EncoderLayer}s ({@code backbone.encoder}) with the stochastic-depth schedule
 * linspace(0, drop_path_rate, depth) and, in the relative-position variant, the shared bias table.
 */
public final class Encoder extends Module {

    private final ModuleList<EncoderLayer> layers = new ModuleList<>();
    private final EveConfig config;
    private final RelativePositions relative;

    public Encoder(EveConfig c, Generator gen) {
        this.config = c;
        if (c.relativePositionEmbed()) {
            relative = new RelativePositions(c.gridSize(), c.maxTextPositions(), c.textLength());
            EveInit.truncNormal(registerParameter("relative_position_bias_table",
                    Tensor.zeros(relative.allNumRelativeDistance, c.numHeads() * c.numLayers())), c.initializerRange(), gen);
        } else {
            relative = null;
        }
        registerModule("layers", layers);
        int depth = c.numLayers();
        for (int i = 0; i < depth; i++) {
            double rate = depth == 1 ? 0 : c.dropPathRate() * i / (depth - 1);
            layers.add(new EncoderLayer(c, i, rate, gen));
        }
        EveInit.initLinearsAndNorms(this, c.initializerRange(), gen);
    }

    public int size() {
        return layers.size();
    }

    public EncoderLayer layer(int i) {
        return layers.get(i);
    }

    public List<EncoderLayer> layers() {
        List<EncoderLayer> out = new ArrayList<>();
        for (EncoderLayer l : layers) out.add(l);
        return out;
    }

    /** Per-layer relative position biases [heads, N, N] for a mode, or null in the absolute variant. */
    List<Tensor> relativeBiases(Mode mode, int tokens) {
        if (relative == null) return null;
        Tensor table = parameter("relative_position_bias_table");
        Tensor index = relative.index(mode, tokens).to(table.device());
        Tensor all = F.embedding(index, table).permute(2, 0, 1);   // [heads * layers, N, N]
        return all.chunk(config.numLayers(), 0);
    }
}
