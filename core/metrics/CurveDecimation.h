// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstddef>
#include <vector>

namespace oodlens {

// Points of a curve to draw. Metrics are always computed on every point; only the drawing is thinned.
struct DrawnCurve {
    std::vector<double> x, y;
    std::size_t total = 0; // points before thinning
    bool decimated() const { return std::size_t(x.size()) < total; }
};

// Keeps at most `maxPoints` points of the curve (x[i], y[i]) for drawing: a point is kept when it
// lies at least a tolerance away (max norm) from the last kept one, the tolerance growing until
// the budget holds. First and last points are always kept, so the curve keeps its ends and shape.
DrawnCurve decimateCurve(const std::vector<double>& x, const std::vector<double>& y, std::size_t maxPoints);

} // namespace oodlens
