// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/ThresholdIndex.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace oodlens {

ThresholdIndex::ThresholdIndex(const RunResult& result, const std::string& method)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    min_ = nan;
    max_ = nan;
    sets_.reserve(result.datasets.size());
    for (std::size_t d = 0; d < result.datasets.size(); ++d) {
        sets_.emplace_back(result.scoresOf(method, d));
        const std::vector<double>& s = sets_.back().values();
        if (!s.empty()) {
            min_ = std::isnan(min_) ? s.front() : std::min(min_, s.front());
            max_ = std::isnan(max_) ? s.back() : std::max(max_, s.back());
        }
    }
}

const SortedScores& ThresholdIndex::dataset(std::size_t d) const
{
    static const SortedScores none;
    return d < sets_.size() ? sets_[d] : none;
}

std::size_t ThresholdIndex::total(std::size_t d) const
{
    return dataset(d).total();
}

std::size_t ThresholdIndex::usable(std::size_t d) const
{
    return dataset(d).usable();
}

std::size_t ThresholdIndex::accepted(std::size_t d, double threshold) const
{
    return dataset(d).accepted(threshold);
}

double ThresholdIndex::acceptance(std::size_t d, double threshold) const
{
    const std::size_t n = usable(d);
    return n ? double(accepted(d, threshold)) / double(n) : std::numeric_limits<double>::quiet_NaN();
}

OperatingPoint ThresholdIndex::operatingPoint(std::size_t id, std::size_t ood, double threshold) const
{
    OperatingPoint p;
    if (const std::size_t n = usable(id)) {
        p.tpr_id = double(accepted(id, threshold)) / double(n);
        p.fpr_ood = 1.0 - p.tpr_id;
    }
    if (const std::size_t n = usable(ood)) {
        p.fpr_id = double(accepted(ood, threshold)) / double(n);
        p.tpr_ood = 1.0 - p.fpr_id;
    }
    return p;
}

double ThresholdIndex::precisionIdPositive(std::size_t id, std::size_t ood, double threshold) const
{
    const double a = double(accepted(id, threshold));
    const double b = double(accepted(ood, threshold));
    return a + b > 0 ? a / (a + b) : 1.0;
}

} // namespace oodlens
