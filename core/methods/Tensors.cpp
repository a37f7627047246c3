// SPDX-License-Identifier: GPL-3.0-or-later
#include "methods/internal/Tensors.h"

#include "common/Error.h"
#include "common/Progress.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>

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

// An unsigned key with the order of the values: flip every bit of a negative value, set the sign
// bit of a positive one. -0.0 is first made +0.0, so that equal values have equal keys. NaN never
// gets here.
template <typename T> struct OrderKey;
template <> struct OrderKey<float> {
    using Key = uint32_t;
};
template <> struct OrderKey<double> {
    using Key = uint64_t;
};

template <typename T> typename OrderKey<T>::Key keyOf(T v)
{
    using Key = typename OrderKey<T>::Key;
    constexpr int bits = static_cast<int>(8 * sizeof(Key));
    constexpr Key sign = Key(1) << (bits - 1);
    Key u;
    std::memcpy(&u, &v, sizeof u);
    u = v == 0 ? Key(0) : u;                // -0.0 -> +0.0
    const Key negative = Key(0) - (u >> (bits - 1)); // all ones for a negative value
    return u ^ (negative | sign);
}

template <typename T> T valueOf(typename OrderKey<T>::Key k)
{
    using Key = typename OrderKey<T>::Key;
    constexpr Key sign = Key(1) << (8 * sizeof(Key) - 1);
    const Key u = (k & sign) ? (k & ~sign) : ~k;
    T v;
    std::memcpy(&v, &u, sizeof v);
    return v;
}

constexpr int kRadixBits = 16;
constexpr std::size_t kBins = std::size_t(1) << kRadixBits;
// Values per cancellation check (and per parallel region): 64 MiB of floats.
constexpr std::size_t kSlab = std::size_t(1) << 24;

// One pass of the selection: for every value that is not NaN and whose key agrees with `prefix[g]`
// above bit `shift + 16` (every value on the first pass, when nothing is known yet), counts bin
// (key >> shift) & 0xffff of histogram g. At most two prefixes (the two ranks). Returns the NaN count.
template <typename T>
std::size_t countPass(const T* values, std::size_t n, int shift, const std::vector<typename OrderKey<T>::Key>& prefix,
                      std::vector<std::vector<uint64_t>>& hist, ProgressSink* sink)
{
    using Key = typename OrderKey<T>::Key;
    const int above = shift + kRadixBits;
    const bool first = above >= static_cast<int>(8 * sizeof(Key));
    const std::size_t groups = hist.size();
    const Key p0 = prefix.empty() ? Key(0) : prefix[0];
    const Key p1 = prefix.size() > 1 ? prefix[1] : p0;
    std::mutex merge;
    std::size_t nans = 0;
    for (std::size_t slab = 0; slab < n; slab += kSlab) {
        throwIfCancelled(sink);
        const std::size_t end = std::min(n, slab + kSlab);
        at::parallel_for(static_cast<int64_t>(slab), static_cast<int64_t>(end), int64_t(1) << 18, [&](int64_t b, int64_t e) {
            std::vector<uint32_t> local(groups * kBins, 0); // at most one slab (2^24) per count
            uint32_t* h = local.data();
            std::size_t localNans = 0;
            if (first) {
                for (int64_t i = b; i < e; ++i) {
                    const T v = values[i];
                    if (std::isnan(v))
                        ++localNans;
                    else
                        ++h[keyOf(v) >> shift];
                }
            } else {
                for (int64_t i = b; i < e; ++i) {
                    const T v = values[i];
                    if (std::isnan(v)) {
                        ++localNans;
                        continue;
                    }
                    const Key k = keyOf(v);
                    const Key top = k >> above;
                    const std::size_t bin = static_cast<std::size_t>((k >> shift) & Key(kBins - 1));
                    if (top == p0)
                        ++h[bin];
                    else if (top == p1)
                        ++h[kBins + bin];
                }
            }
            std::lock_guard<std::mutex> lock(merge);
            nans += localNans;
            for (std::size_t g = 0; g < groups; ++g)
                for (std::size_t i = 0; i < kBins; ++i)
                    hist[g][i] += h[g * kBins + i];
        });
    }
    return nans;
}

template <typename T> Percentile radixPercentile(const T* values, std::size_t n, double p, ProgressSink* sink)
{
    using Key = typename OrderKey<T>::Key;
    constexpr int keyBits = static_cast<int>(8 * sizeof(Key));
    if (!(p >= 0 && p <= 100))
        throw Error("percentile: p = " + std::to_string(p) + " is not between 0 and 100");
    if (n == 0)
        throw Error("percentile of an empty set");

    // The (at most two) ranks needed, each with the key bits found so far and its rank among the
    // values that share them.
    struct Target {
        uint64_t rank;
        Key prefix = 0;
    };
    std::vector<Target> targets;
    Percentile out;
    double pos = 0;
    for (int shift = keyBits - kRadixBits; shift >= 0; shift -= kRadixBits) {
        // The distinct prefixes of the targets, one histogram each.
        std::vector<Key> prefixes;
        for (const Target& t : targets)
            if (std::find(prefixes.begin(), prefixes.end(), t.prefix) == prefixes.end())
                prefixes.push_back(t.prefix);
        std::vector<std::vector<uint64_t>> hist(std::max<std::size_t>(1, prefixes.size()), std::vector<uint64_t>(kBins, 0));
        const std::size_t nans = countPass(values, n, shift, prefixes, hist, sink);
        if (targets.empty()) {
            out.nans = nans;
            out.count = n - nans;
            if (out.count == 0)
                throw Error("percentile: all " + std::to_string(n) + " values are NaN");
            pos = p / 100.0 * (out.count - 1);
            const uint64_t lo = static_cast<uint64_t>(std::floor(pos));
            targets.push_back({lo});
            if (lo + 1 < out.count)
                targets.push_back({lo + 1});
            prefixes = {0};
        }
        for (Target& t : targets) {
            const std::vector<uint64_t>& h =
                hist[std::find(prefixes.begin(), prefixes.end(), t.prefix) - prefixes.begin()];
            std::size_t bin = 0;
            while (t.rank >= h[bin]) {
                t.rank -= h[bin];
                ++bin;
            }
            t.prefix = static_cast<Key>((shift + kRadixBits >= keyBits ? Key(0) : t.prefix << kRadixBits) | Key(bin));
        }
    }
    const double a = valueOf<T>(targets[0].prefix);
    if (targets.size() == 1)
        out.value = a;
    else {
        const double b = valueOf<T>(targets[1].prefix);
        const double lo = std::floor(pos);
        out.value = a + (pos - lo) * (b - a);
    }
    return out;
}

} // namespace

Percentile streamingPercentile(const float* values, std::size_t n, double p, ProgressSink* sink)
{
    return radixPercentile(values, n, p, sink);
}

Percentile streamingPercentile(const double* values, std::size_t n, double p, ProgressSink* sink)
{
    return radixPercentile(values, n, p, sink);
}

double percentile(const std::vector<float>& values, double p)
{
    return streamingPercentile(values.data(), values.size(), p).value;
}

double percentile(const std::vector<double>& values, double p)
{
    return streamingPercentile(values.data(), values.size(), p).value;
}

} // namespace oodlens::tensors
