// SPDX-License-Identifier: GPL-3.0-or-later
#include "methods/internal/Tensors.h"

#include "common/Error.h"
#include "common/Progress.h"

#include <algorithm>
#include <cmath>

namespace oodlens::tensors {

at::Tensor features(const FeatureSet& s, at::ScalarType type)
{
    return at::from_blob(const_cast<float*>(s.features.data()), {static_cast<int64_t>(s.rows), s.dim}, at::kFloat).to(type);
}

at::Tensor logits(const FeatureSet& s)
{
    return at::from_blob(const_cast<float*>(s.logits.data()), {static_cast<int64_t>(s.rows), s.classes}, at::kFloat)
        .to(at::kDouble);
}

void forEachBlock(const FeatureSet& s, const std::function<void(const at::Tensor& h, const at::Tensor& z, int64_t start)>& fn,
                  ProgressSink* sink)
{
    const int64_t rows = static_cast<int64_t>(s.rows);
    for (int64_t start = 0; start < rows; start += kChunk) {
        throwIfCancelled(sink);
        const int64_t n = std::min<int64_t>(kChunk, rows - start);
        at::Tensor h = at::from_blob(const_cast<float*>(s.featureRow(static_cast<std::size_t>(start))), {n, s.dim}, at::kFloat)
                           .to(at::kDouble);
        at::Tensor z = at::from_blob(const_cast<float*>(s.logitRow(static_cast<std::size_t>(start))), {n, s.classes}, at::kFloat)
                           .to(at::kDouble);
        fn(h, z, start);
    }
}

at::Tensor headWeight(const Head& h)
{
    return at::from_blob(const_cast<float*>(h.weight.data()), {h.classes, h.dim}, at::kFloat).to(at::kDouble);
}

at::Tensor headBias(const Head& h)
{
    return at::from_blob(const_cast<float*>(h.bias.data()), {h.classes}, at::kFloat).to(at::kDouble);
}

std::vector<double> toVector(const at::Tensor& t)
{
    at::Tensor c = t.to(at::kDouble).contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

at::Tensor energy(const at::Tensor& h, const at::Tensor& w, const at::Tensor& b)
{
    return at::logsumexp(at::linear(h, w, b), 1);
}

namespace {

template <typename T> double percentileOf(std::vector<T> values, double p)
{
    if (values.empty())
        throw Error("percentile of an empty set");
    const double pos = p / 100.0 * (values.size() - 1);
    const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
    std::nth_element(values.begin(), values.begin() + lo, values.end());
    const double a = values[lo];
    if (lo + 1 >= values.size())
        return a;
    const double b = *std::min_element(values.begin() + lo + 1, values.end());
    return a + (pos - lo) * (b - a);
}

} // namespace

double percentile(std::vector<float> values, double p)
{
    return percentileOf(std::move(values), p);
}

double percentile(std::vector<double> values, double p)
{
    return percentileOf(std::move(values), p);
}

} // namespace oodlens::tensors
