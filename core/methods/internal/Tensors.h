// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// LibTorch as a linear-algebra library for the methods (BLAS products, eigh, Cholesky, pinv).
// Included by core/methods/*.cpp only.
#include "features/FeatureSet.h"
#include "model/Classifier.h"

#include <ATen/ATen.h>

#include <cstddef>
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
// numpy.percentile with linear interpolation: at pos = p / 100 (n - 1), lo = floor(pos), the value
// a + (pos - lo)(b - a) of the order statistics a (rank lo) and b (rank lo + 1), over the n values that
// are not NaN (numpy computes b - (1 - t)(b - a) when t = pos - lo >= 0.5, which can differ in the
// last bit; this formula is the one the engine has always used). The values are read in place, never
// copied or sorted: an exact radix selection over an order-preserving integer key of each value (16
// bits a pass: two passes over floats, four over doubles; each pass counts the next 16 bits of the
// values that share the bits already found for the two ranks), so memory is a few 65,536-bin
// histograms whatever n. Rules: NaN values are left out and counted (numpy.nanpercentile's rule);
// -0.0 and +0.0 are one value, returned as +0.0; +-inf are ordinary values. Throws Error when no
// value is left or p is outside [0, 100]. Checks `sink` for cancellation between slabs.
struct Percentile {
    double value = 0;
    std::size_t count = 0; // values used (not NaN)
    std::size_t nans = 0;  // NaN values left out
};
Percentile streamingPercentile(const float* values, std::size_t n, double p, ProgressSink* sink = nullptr);
Percentile streamingPercentile(const double* values, std::size_t n, double p, ProgressSink* sink = nullptr);
// streamingPercentile(...).value of a whole vector.
double percentile(const std::vector<float>& values, double p);
double percentile(const std::vector<double>& values, double p);

} // namespace oodlens::tensors
