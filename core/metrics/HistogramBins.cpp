// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/HistogramBins.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace oodlens {

namespace {

double quantileOfSorted(const std::vector<double>& sorted, double q)
{
    const double pos = q * double(sorted.size() - 1);
    const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (pos - double(lo)) * (sorted[hi] - sorted[lo]);
}

} // namespace

double freedmanDiaconisWidth(std::vector<double> values)
{
    values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
                 values.end());
    if (values.size() < 2)
        return 0;
    std::sort(values.begin(), values.end());
    const double iqr = quantileOfSorted(values, 0.75) - quantileOfSorted(values, 0.25);
    return iqr > 0 ? 2.0 * iqr / std::cbrt(double(values.size())) : 0.0;
}

int autoBinCount(const std::vector<const std::vector<double>*>& sets, int minBins, int maxBins)
{
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    std::size_t n = 0;
    double width = 0;
    for (const std::vector<double>* set : sets) {
        if (!set)
            continue;
        for (double v : *set)
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
                ++n;
            }
        const double w = freedmanDiaconisWidth(*set);
        if (w > 0 && (width == 0 || w < width))
            width = w;
    }
    if (n < 2)
        return minBins;
    const double range = hi - lo;
    if (!(range > 0))
        return 1;
    const double bins = width > 0 ? std::ceil(range / width) : std::ceil(std::sqrt(double(n)));
    return static_cast<int>(std::clamp(bins, double(minBins), double(maxBins)));
}

SharedHistogram computeSharedHistogram(const std::vector<const std::vector<double>*>& sets, int bins)
{
    SharedHistogram h;
    const std::size_t n = sets.size();
    h.counts.resize(n);
    h.finite.assign(n, 0);
    h.nan.assign(n, 0);
    h.posInf.assign(n, 0);
    h.negInf.assign(n, 0);

    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    bool any = false;
    for (std::size_t s = 0; s < n; ++s) {
        if (!sets[s])
            continue;
        for (double v : *sets[s]) {
            if (std::isnan(v)) {
                ++h.nan[s];
            } else if (std::isinf(v)) {
                ++(v > 0 ? h.posInf[s] : h.negInf[s]);
            } else {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
                any = true;
            }
        }
    }
    if (!any)
        return h;

    if (bins <= 0)
        bins = autoBinCount(sets);
    double width = (hi - lo) / bins;
    if (!(width > 0)) {
        // Every finite score is the same value: one bin centred on it.
        bins = 1;
        const double half = std::max(0.5, std::fabs(lo) * 0.05);
        lo -= half;
        hi += half;
        width = hi - lo;
    }
    h.edges.resize(static_cast<std::size_t>(bins) + 1);
    for (int i = 0; i <= bins; ++i)
        h.edges[static_cast<std::size_t>(i)] = lo + width * i;
    h.edges.back() = hi;

    for (std::size_t s = 0; s < n; ++s) {
        h.counts[s].assign(static_cast<std::size_t>(bins), 0);
        if (!sets[s])
            continue;
        for (double v : *sets[s]) {
            if (!std::isfinite(v))
                continue;
            const auto bin = static_cast<long>(std::floor((v - lo) / width));
            ++h.counts[s][static_cast<std::size_t>(std::clamp(bin, 0L, long(bins) - 1))];
            ++h.finite[s];
        }
    }
    return h;
}

} // namespace oodlens
