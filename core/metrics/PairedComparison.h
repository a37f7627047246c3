// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Comparing two scores of the same images (the question of Igoe et al. 2022: does the gradient
// score beat a non-gradient one?): DeLong's test for the AUROC difference and a paired bootstrap of
// the AUROC and FPR@95 differences. "Paired": score A and score B of ID image i (and of OOD image j)
// are the same image's, so the two AUROCs are correlated and are resampled together. ID is the
// positive class and higher scores mean "more ID", as everywhere in OOD Lens.
#include "metrics/Metrics.h"

#include <cstdint>
#include <vector>

namespace oodlens {

class ProgressSink;

// DeLong, DeLong & Clarke-Pearson (1988), "Comparing the areas under two or more correlated
// receiver operating characteristic curves: a nonparametric approach", Biometrics 44(3). With the
// placement values V10 (per ID image: the share of OOD images it outranks, ties 1/2) and V01 (per
// OOD image: the share of ID images that outrank it), AUC = mean V10 = mean V01 and
// Var(AUC_A - AUC_B) = (S10_AA + S10_BB - 2 S10_AB) / m + (S01_AA + S01_BB - 2 S01_AB) / n, with S the
// sample covariances (denominator m - 1, n - 1) over the m ID and n OOD images. z = difference / SE,
// two-sided p = erfc(|z| / sqrt 2). Pairs where either score is NaN are left out.
struct AurocComparison {
    double aurocA = 0, aurocB = 0;
    double difference = 0;   // aurocA - aurocB
    double standardError = 0;
    double z = 0;            // 0 when the standard error is 0 (identical rankings)
    double pValue = 1;       // two-sided; 1 when the standard error is 0
    std::size_t idCount = 0, oodCount = 0; // the pairs used
};
// idA[i] and idB[i] are the two scores of ID image i; likewise for OOD. Throws Error when the
// lengths differ or a side has fewer than two usable pairs.
AurocComparison delongTest(const std::vector<double>& idA, const std::vector<double>& oodA,
                           const std::vector<double>& idB, const std::vector<double>& oodB);

// The per-image placement values of one score (DeLong's V10 over the ID set, V01 over the OOD set),
// from midranks in O((m + n) log(m + n)). Exposed for tests and reports.
struct Placements {
    std::vector<double> id;  // V10
    std::vector<double> ood; // V01
};
Placements placements(const std::vector<double>& id, const std::vector<double>& ood);

// A percentile bootstrap of the differences A - B: each resample draws m ID and n OOD images with
// replacement (the same draw for both scores) and recomputes both metrics. Percentiles by linear
// interpolation between order statistics (numpy's default). The draws come from SplitMix64 seeded
// with `seed` (Steele et al. 2014: state += 0x9E3779B97F4A7C15, then the usual two xor-shift-
// multiply rounds), an index being (x * count) >> 64 of the 64-bit output x; ID indices are drawn
// before OOD indices in every resample. So any language can reproduce the resamples exactly.
struct DifferenceInterval {
    double estimate = 0, low = 0, high = 0; // on the full sets; 95 % interval
};
struct PairedBootstrap {
    DifferenceInterval auroc, fpr95_id;
    // Each score's own AUROC percentile interval over the same resamples (lo = hi = the full-set
    // AUROC when resamples is 0).
    Interval aurocOfA, aurocOfB;
    int resamples = 0;
    std::uint64_t seed = 0;
};
PairedBootstrap pairedBootstrap(const std::vector<double>& idA, const std::vector<double>& oodA,
                                const std::vector<double>& idB, const std::vector<double>& oodB, int resamples,
                                std::uint64_t seed, const ProgressSink* cancel = nullptr);

} // namespace oodlens
