// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "methods/Method.h"

namespace oodlens {

// The softmax temperature T > 0, default 1 (methods/OutputTerms.cpp).
ParamSpec temperatureParam();
// A percentile p in [lo, hi] with the given default (ReAct, ASH, SCALE).
ParamSpec percentileParam(double defaultValue, const char* help, bool includeZero, bool includeHundred);

} // namespace oodlens
