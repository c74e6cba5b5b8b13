package dev.eve.models.eve.moe;

import dev.eve.core.tensor.Tensor;
import dev.eve.models.eve.Mode;

/**
 * What one MoE layer did in one forward pass: the routing plan, the final combine weight of each
 * assignment (0 when dropped), the load-balancing loss, and (when tracing) the router logits and
 * the block's input and output.
 */
public record MoeRouting(int layer, Mode mode, RoutingPlan plan, float[] weight1, float[] weight2, float lAux,
                         Tensor gateLogits, Tensor input, Tensor output) {}
