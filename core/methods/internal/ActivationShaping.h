// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// ASH, activation shaping (Djurisic, Bozanic, Ashok & Liu, ICLR 2023), applied to the penultimate
// vector: the three variants ash (ASH-S), ash_p and ash_b share it (defined in methods/Ash.cpp).
// Included by core/methods/*.cpp only.
#include "methods/internal/Tensors.h"

#include <vector>

namespace oodlens {

enum class AshVariant {
    Prune,    // ASH-P: keep the k largest entries, zero the rest
    Binarize, // ASH-B: the k largest entries become s1 / k (s1 = the sum of h), the rest zero
    Scale,    // ASH-S: prune as ASH-P, then multiply by exp(s1 / s2) (s2 = the sum after pruning)
};

// Rows of h (B x D) shaped at pruning percentile p, k = keptTopEntries(D, p) as the reference code.
at::Tensor ashShape(const at::Tensor& h, double p, AshVariant variant);
// Energy (T = 1) of W shaped(h) + b for every row of `set`, block by block.
std::vector<double> ashScores(const FeatureSet& set, const Head& head, double p, AshVariant variant,
                              ProgressSink* sink);

} // namespace oodlens
