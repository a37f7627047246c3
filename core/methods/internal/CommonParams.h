// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "methods/Method.h"

#include <cstdint>

namespace oodlens {

// The softmax temperature T > 0, default 1 (methods/OutputTerms.cpp).
ParamSpec temperatureParam();
// A percentile p in [lo, hi] with the given default (ReAct, ASH, SCALE).
ParamSpec percentileParam(double defaultValue, const char* help, bool includeZero, bool includeHundred);
// The dimension k of ViM's principal subspace (vim.k, residual.k): 0 = automatic (D/2, or 1000
// when D >= 1500, fitstats::subspaceDimension). Grid {256, 512, 1000}: OpenOOD's vim sweep
// (256, 1000) and its residual default (512); a sweep leaves out the values >= D.
ParamSpec subspaceDimensionParam();
// The pruning percentile of the ASH variants (ash, ash_p, ash_b): default 90, grid {65, ..., 95}
// (OpenOOD's ash sweep).
ParamSpec ashPercentileParam();
// How many of `dim` activations the top-(100 - p)% methods keep (ASH, SCALE), as their reference
// code computes it (OpenOOD: `k = n - int(np.round(n * percentile / 100.0))`): the rounding is
// half to even (numpy's), so that k agrees with the reference at D p / 100 = x.5; at least 1.
std::int64_t keptTopEntries(std::int64_t dim, double p);

} // namespace oodlens
