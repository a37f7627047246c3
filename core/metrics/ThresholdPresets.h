// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "run/RunResult.h"

#include <string>
#include <vector>

namespace oodlens {

// Thresholds worth jumping to, read off core's metrics and ROC curve (ID positive). Where the OOD
// side matters, every OOD set of the result is pooled. Each returns NaN when the method has no
// usable scores.

// The threshold that keeps 95% of the ID images (core's BinaryMetrics::threshold95, from
// SortedScores::thresholdForTpr); needs no OOD set.
double thresholdAtIdTpr95(const RunResult& result, const std::string& method);
// The threshold with the highest ID TPR whose FPR (OOD accepted) is at most `fpr` (a fraction).
double thresholdAtFpr(const RunResult& result, const std::string& method, double fpr);
// The threshold maximising Youden's J = TPR - FPR (balanced accuracy).
double thresholdYouden(const RunResult& result, const std::string& method);

// Every OOD set's scores of `method`, one after the other.
std::vector<double> pooledOodScores(const RunResult& result, const std::string& method);

} // namespace oodlens
