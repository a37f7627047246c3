// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "methods/Method.h"

#include <cstdint>

namespace oodlens {

// The softmax temperature T > 0, default 1 (methods/OutputTerms.cpp).
ParamSpec temperatureParam();
// A percentile p in [lo, hi] with the given default (ReAct, ASH, SCALE).
ParamSpec percentileParam(double defaultValue, const char* help, bool includeZero, bool includeHundred);
// How many of `dim` activations the top-(100 - p)% methods keep (ASH, SCALE), as their reference
// code computes it (OpenOOD: `k = n - int(np.round(n * percentile / 100.0))`): the rounding is
// half to even (numpy's), so that k agrees with the reference at D p / 100 = x.5; at least 1.
std::int64_t keptTopEntries(std::int64_t dim, double p);

} // namespace oodlens
