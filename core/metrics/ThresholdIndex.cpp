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
    sorted_.resize(result.datasets.size());
    totals_.resize(result.datasets.size(), 0);
    for (std::size_t d = 0; d < result.datasets.size(); ++d) {
        const std::vector<double>& scores = result.scoresOf(method, d);
        totals_[d] = scores.size();
        std::vector<double>& s = sorted_[d];
        s.reserve(scores.size());
        for (double v : scores)
            if (!std::isnan(v))
                s.push_back(v);
        std::sort(s.begin(), s.end());
        if (!s.empty()) {
            min_ = std::isnan(min_) ? s.front() : std::min(min_, s.front());
            max_ = std::isnan(max_) ? s.back() : std::max(max_, s.back());
        }
    }
}

std::size_t ThresholdIndex::total(std::size_t d) const
{
    return d < totals_.size() ? totals_[d] : 0;
}

std::size_t ThresholdIndex::usable(std::size_t d) const
{
    return d < sorted_.size() ? sorted_[d].size() : 0;
}

std::size_t ThresholdIndex::accepted(std::size_t d, double threshold) const
{
    if (d >= sorted_.size() || std::isnan(threshold))
        return 0;
    const std::vector<double>& s = sorted_[d];
    return static_cast<std::size_t>(s.end() - std::lower_bound(s.begin(), s.end(), threshold));
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

double ThresholdIndex::thresholdForAcceptance(std::size_t d, double tpr) const
{
    if (d >= sorted_.size() || sorted_[d].empty())
        return std::numeric_limits<double>::quiet_NaN();
    const std::vector<double>& s = sorted_[d];
    const std::size_t n = s.size();
    const double clamped = std::clamp(tpr, 0.0, 1.0);
    const auto k = static_cast<std::size_t>(std::ceil(clamped * double(n) - 1e-9));
    if (k == 0)
        return std::nextafter(s.back(), std::numeric_limits<double>::infinity());
    return s[n - std::min(k, n)];
}

} // namespace oodlens
