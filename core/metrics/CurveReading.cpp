// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/CurveReading.h"

#include <algorithm>
#include <cmath>

namespace oodlens {

CurveReader::CurveReader(const SortedScores& id, const SortedScores& ood)
{
    const std::vector<double>& a = id.values();
    const std::vector<double>& b = ood.values();
    const std::size_t nId = a.size(), nOod = b.size();
    if (nId == 0 || nOod == 0)
        return;
    const double top = std::max(a.back(), b.back());
    points_.reserve(nId + nOod + 1);
    points_.push_back({std::isinf(top) ? top : std::nextafter(top, std::numeric_limits<double>::infinity()), 0, 0, 1});
    // Walk both ascending arrays from the top: each distinct score is one threshold, accepting
    // every score >= it.
    std::size_t i = nId, j = nOod; // scores at [i, nId) and [j, nOod) are accepted
    while (i > 0 || j > 0) {
        const double t = i == 0 ? b[j - 1] : j == 0 ? a[i - 1] : std::max(a[i - 1], b[j - 1]);
        while (i > 0 && a[i - 1] >= t)
            --i;
        while (j > 0 && b[j - 1] >= t)
            --j;
        const double tp = double(nId - i), fp = double(nOod - j);
        points_.push_back({t, tp / double(nId), fp / double(nOod), tp / (tp + fp)});
    }
}

CurveReading CurveReader::at(std::size_t index) const
{
    CurveReading r;
    if (index >= points_.size())
        return r;
    const Point& p = points_[index];
    r.valid = true;
    r.index = index;
    r.threshold = p.threshold;
    r.tpr = p.tpr;
    r.fpr = p.fpr;
    r.precision = p.precision;
    return r;
}

CurveReading CurveReader::nearest(CurveKind kind, double x, double y, double xScale, double yScale) const
{
    if (empty() || !std::isfinite(x) || !std::isfinite(y))
        return {};
    // The PR curve starts at the first threshold that accepts something.
    const std::size_t first = kind == CurveKind::Pr ? 1 : 0;
    std::size_t best = first;
    double bestD2 = std::numeric_limits<double>::infinity();
    for (std::size_t k = first; k < points_.size(); ++k) {
        const double dx = (xOf(kind, points_[k]) - x) * xScale;
        const double dy = (yOf(kind, points_[k]) - y) * yScale;
        const double d2 = dx * dx + dy * dy;
        if (d2 < bestD2) {
            bestD2 = d2;
            best = k;
        }
    }
    CurveReading r = at(best);
    r.distance = std::sqrt(bestD2);
    return r;
}

} // namespace oodlens
