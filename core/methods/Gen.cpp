// SPDX-License-Identifier: GPL-3.0-or-later
// GEN, generalized entropy (Liu, Lochman & Zach, CVPR 2023): -sum over the M largest softmax
// probabilities of p^gamma (1 - p)^gamma. Negated so that higher means more in-distribution
// (a confident prediction has low generalized entropy). An output term, so it joins the family.
#include "methods/Method.h"
#include "methods/internal/Softmax.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace oodlens {

void registerGen(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "gen";
    m.label = "GEN";
    m.group = MethodGroup::Output;
    ParamSpec gamma{"gamma", 0.1, "entropy exponent"};
    gamma.min = 0;
    gamma.minExclusive = true;
    ParamSpec top{"M", 100, "classes kept: the M largest probabilities (all C when fewer)"};
    top.min = 1;
    top.integer = true;
    gamma.grid = {0.01, 0.1, 0.5, 1, 2, 5, 10}; // OpenOOD's gen sweep
    top.grid = {10, 50, 100, 200, 500, 1000};
    m.params = {gamma, top};
    m.formula = "-sum over the top-M softmax(z)_c of p^gamma (1 - p)^gamma";
    m.reference = "Liu, Lochman & Zach, CVPR 2023";
    m.outputTerm = [](const float* z, int classes, const ParamValues& v, std::vector<double>& p) {
        const double g = v.get("gamma");
        const int keep = std::min(classes, static_cast<int>(v.get("M")));
        softmaxRow(z, classes, 1.0, p);
        std::nth_element(p.begin(), p.begin() + (keep - 1), p.end(), std::greater<double>());
        double s = 0;
        for (int c = 0; c < keep; ++c)
            s += std::pow(p[c], g) * std::pow(1.0 - p[c], g);
        return -s;
    };
    r.add(std::move(m));
}

} // namespace oodlens
