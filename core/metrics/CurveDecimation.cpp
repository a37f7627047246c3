// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/CurveDecimation.h"

#include <algorithm>
#include <cmath>

namespace oodlens {

namespace {

void thin(const std::vector<double>& x, const std::vector<double>& y, std::size_t n, double tolerance, DrawnCurve& out)
{
    out.x.clear();
    out.y.clear();
    out.x.push_back(x[0]);
    out.y.push_back(y[0]);
    double lx = x[0], ly = y[0];
    for (std::size_t i = 1; i + 1 < n; ++i) {
        if (std::max(std::abs(x[i] - lx), std::abs(y[i] - ly)) < tolerance)
            continue;
        lx = x[i];
        ly = y[i];
        out.x.push_back(lx);
        out.y.push_back(ly);
    }
    out.x.push_back(x[n - 1]);
    out.y.push_back(y[n - 1]);
}

} // namespace

DrawnCurve decimateCurve(const std::vector<double>& x, const std::vector<double>& y, std::size_t maxPoints)
{
    DrawnCurve out;
    const std::size_t n = std::min(x.size(), y.size());
    out.total = n;
    if (n <= std::max<std::size_t>(maxPoints, 2)) {
        out.x = std::vector<double>(x.begin(), x.begin() + static_cast<long>(n));
        out.y = std::vector<double>(y.begin(), y.begin() + static_cast<long>(n));
        return out;
    }
    double xmin = *std::min_element(x.begin(), x.begin() + static_cast<long>(n));
    double xmax = *std::max_element(x.begin(), x.begin() + static_cast<long>(n));
    double ymin = *std::min_element(y.begin(), y.begin() + static_cast<long>(n));
    double ymax = *std::max_element(y.begin(), y.begin() + static_cast<long>(n));
    const double span = std::max({xmax - xmin, ymax - ymin, 1e-12});
    // A monotone curve in a unit box is at most 2 long: this first guess usually fits the budget.
    double tolerance = 2.0 * span / double(maxPoints);
    for (int attempt = 0; attempt < 30; ++attempt) {
        thin(x, y, n, tolerance, out);
        if (std::size_t(out.x.size()) <= maxPoints)
            break;
        tolerance *= 1.5;
    }
    return out;
}

} // namespace oodlens
