// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/SortedScores.h"

#include "common/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace oodlens {

SortedScores::SortedScores(const std::vector<double>& scores) : total_(scores.size())
{
    sorted_.reserve(scores.size());
    for (double s : scores)
        if (!std::isnan(s))
            sorted_.push_back(s);
    std::sort(sorted_.begin(), sorted_.end());
}

std::size_t SortedScores::accepted(double threshold) const
{
    if (std::isnan(threshold))
        return 0;
    return static_cast<std::size_t>(sorted_.end() - std::lower_bound(sorted_.begin(), sorted_.end(), threshold));
}

double SortedScores::percentile(double value) const
{
    if (std::isnan(value) || sorted_.empty())
        return std::numeric_limits<double>::quiet_NaN();
    const auto upper = std::upper_bound(sorted_.begin(), sorted_.end(), value);
    return static_cast<double>(upper - sorted_.begin()) / static_cast<double>(sorted_.size());
}

std::size_t acceptedForTpr(std::size_t n, double tpr)
{
    if (n == 0 || !(tpr > 0))
        return 0;
    if (tpr > 1)
        return n;
    // Start from the real-valued answer and settle it with the exact comparison.
    auto k = static_cast<std::size_t>(std::min(double(n), std::max(0.0, std::ceil(tpr * double(n)))));
    while (k > 0 && double(k - 1) / double(n) >= tpr)
        --k;
    while (k < n && double(k) / double(n) < tpr)
        ++k;
    return k;
}

double SortedScores::thresholdForTpr(double tpr) const
{
    const std::size_t n = sorted_.size();
    if (n == 0)
        return std::numeric_limits<double>::quiet_NaN();
    const std::size_t k = acceptedForTpr(n, tpr);
    if (k == 0)
        return std::nextafter(sorted_.back(), std::numeric_limits<double>::infinity());
    return sorted_[n - k];
}

double thresholdAtIdTpr(const std::vector<double>& idScores, double tpr)
{
    const double t = SortedScores(idScores).thresholdForTpr(tpr);
    if (std::isnan(t))
        throw Error("no usable ID score to set a threshold on");
    return t;
}

double percentileWithin(const std::vector<double>& reference, double value)
{
    return SortedScores(reference).percentile(value);
}

} // namespace oodlens
