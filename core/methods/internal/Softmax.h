// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Stable softmax of one row of logits, shared by the output terms.
#include <algorithm>
#include <cmath>
#include <vector>

namespace oodlens {

// p = softmax(z / T); returns logsumexp(z / T).
inline double softmaxRow(const float* z, int classes, double temperature, std::vector<double>& p)
{
    p.resize(static_cast<std::size_t>(classes));
    double maxScaled = -INFINITY;
    for (int c = 0; c < classes; ++c)
        maxScaled = std::max(maxScaled, double(z[c]) / temperature);
    double sum = 0;
    for (int c = 0; c < classes; ++c) {
        p[c] = std::exp(double(z[c]) / temperature - maxScaled);
        sum += p[c];
    }
    for (double& v : p)
        v /= sum;
    return maxScaled + std::log(sum);
}

} // namespace oodlens
