// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/ValidationSplit.h"

#include "common/SplitMix64.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace oodlens {

std::vector<bool> validationMask(std::size_t count, std::size_t dataset, double fraction, std::uint64_t seed)
{
    SplitMix64 rng(seed + dataset);
    std::vector<std::uint64_t> keys(count);
    for (std::uint64_t& k : keys)
        k = rng.next();
    std::vector<std::size_t> order(count);
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
    const auto take = static_cast<std::size_t>(std::floor(fraction * double(count)));
    std::vector<bool> mask(count, false);
    for (std::size_t i = 0; i < take && i < count; ++i)
        mask[order[i]] = true;
    return mask;
}

} // namespace oodlens
