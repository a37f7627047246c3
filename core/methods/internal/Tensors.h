// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// LibTorch as a linear-algebra library for the methods (BLAS products, eigh, Cholesky, pinv).
// Included by core/methods/*.cpp only.
#include "features/FeatureSet.h"
#include "model/Classifier.h"

#include <ATen/ATen.h>

#include <functional>
#include <vector>

namespace oodlens {
class ProgressSink;
}

namespace oodlens::tensors {

constexpr int64_t kChunk = 4096; // rows per block: bounds memory of every product to O(kChunk x D)

// Views copied to `type` (default double): the FeatureSet keeps the data.
at::Tensor features(const FeatureSet& s, at::ScalarType type = at::kDouble);
at::Tensor logits(const FeatureSet& s);
// Streams a set in blocks of at most kChunk rows: fn(h, z, start) with h the block's features and
// z its logits as fresh double tensors (rows start .. start + h.size(0)). The one way fits read a
// fit set: whatever its size, they hold O(kChunk x D) of it at a time, never a second copy.
// Checks `sink` for cancellation before every block.
void forEachBlock(const FeatureSet& s, const std::function<void(const at::Tensor& h, const at::Tensor& z, int64_t start)>& fn,
                  ProgressSink* sink = nullptr);
at::Tensor headWeight(const Head& h);
at::Tensor headBias(const Head& h);
std::vector<double> toVector(const at::Tensor& t);
// logsumexp(W h + b) per row (energy at T = 1) of a batch of (modified) features.
at::Tensor energy(const at::Tensor& h, const at::Tensor& w, const at::Tensor& b);
// numpy.percentile (linear interpolation) of all values.
double percentile(std::vector<float> values, double p);
double percentile(std::vector<double> values, double p);

} // namespace oodlens::tensors
