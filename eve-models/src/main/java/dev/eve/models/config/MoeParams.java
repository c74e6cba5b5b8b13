package dev.eve.models.config;

/**
 * Settings of a modality-aware MoE layer. The first three come from the original configs
 * ({@code moe_param}); the others are what the original hard-codes (capacity factor 1.0 in training
 * and eval, minimum capacity 4) plus our inference options.
 *
 * @param numExperts         experts per MoE layer
 * @param topk               1 (Switch-style) or 2 (GShard)
 * @param typeRoute          add the learned vision/text embedding to each token before routing
 * @param capacityFactor     capacity factor in training
 * @param evalCapacityFactor capacity factor in eval
 * @param minCapacity        lower bound of the per-expert capacity
 * @param dropless           no capacity limit (nothing is dropped); meant for inference
 * @param noise              when the original's Gumbel noise on the 2nd choice applies
 */
public record MoeParams(int numExperts, int topk, boolean typeRoute, double capacityFactor, double evalCapacityFactor,
                        int minCapacity, boolean dropless, GumbelNoise noise) {

    /**
     * The original adds Gumbel noise to the logits that pick the 2nd expert in every forward, eval
     * included, which makes inference random. The default keeps it for training only.
     */
    public enum GumbelNoise { TRAINING_ONLY, ALWAYS, NEVER }

    public MoeParams {
        if (numExperts < 1) throw new ConfigException("moe_param.num_experts must be >= 1, got " + numExperts);
        if (topk != 1 && topk != 2) throw new ConfigException("moe_param.topk must be 1 or 2, got " + topk);
        if (topk > numExperts) throw new ConfigException("moe_param.topk " + topk + " exceeds num_experts " + numExperts);
        if (!(capacityFactor > 0) || !(evalCapacityFactor > 0)) throw new ConfigException("MoE capacity factors must be positive");
        if (minCapacity < 0) throw new ConfigException("MoE min capacity must be >= 0, got " + minCapacity);
    }

    /** The original's settings for a {@code moe_param} block. */
    public static MoeParams of(int numExperts, int topk, boolean typeRoute) {
        return new MoeParams(numExperts, topk, typeRoute, 1.0, 1.0, 4, false, GumbelNoise.TRAINING_ONLY);
    }

    public MoeParams withDropless(boolean on) {
        return new MoeParams(numExperts, topk, typeRoute, capacityFactor, evalCapacityFactor, minCapacity, on, noise);
    }

    public MoeParams withNoise(GumbelNoise policy) {
        return new MoeParams(numExperts, topk, typeRoute, capacityFactor, evalCapacityFactor, minCapacity, dropless, policy);
    }
}
