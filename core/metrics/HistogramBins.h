// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <cstddef>
#include <vector>

namespace oodlens {

// Histograms of several score sets on one set of bin edges, so that bars line up and heights
// compare directly. Non-finite scores cannot be placed on a bin: they are counted apart.
struct SharedHistogram {
    std::vector<double> edges;                    // bins + 1 ascending edges; empty when no finite score
    std::vector<std::vector<std::size_t>> counts; // counts[set][bin]
    std::vector<std::size_t> finite;              // per set: scores placed in a bin
    std::vector<std::size_t> nan;                 // per set
    std::vector<std::size_t> posInf;              // per set
    std::vector<std::size_t> negInf;              // per set

    std::size_t bins() const { return edges.empty() ? 0 : edges.size() - 1; }
    std::size_t nonFinite(std::size_t set) const { return nan[set] + posInf[set] + negInf[set]; }
};

// Freedman-Diaconis bin width of the finite `values` (2 IQR n^(-1/3)); 0 when it cannot be computed
// (fewer than two values or a zero interquartile range).
double freedmanDiaconisWidth(std::vector<double> values);

// Bin count over the range of the union of `sets` (finite values only): the finest Freedman-Diaconis
// width of any one set, so that a narrow peak is not smeared by the spread between sets; the
// square-root rule when no width can be computed; clamped to [minBins, maxBins].
int autoBinCount(const std::vector<const std::vector<double>*>& sets, int minBins = 10, int maxBins = 100);

// Bins every set on edges spanning the union of their finite scores; `bins` <= 0 picks autoBinCount.
// The last bin is closed on the right so that the maximum is counted.
SharedHistogram computeSharedHistogram(const std::vector<const std::vector<double>*>& sets, int bins = 0);

} // namespace oodlens
