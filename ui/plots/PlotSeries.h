// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/ResultMetaTypes.h"
#include "plots/HistogramView.h"
#include "plots/PrView.h"
#include "plots/RocView.h"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace oodlens::ui {

// What the window and the `figures` command draw, built one way so that a figure exported from
// either looks the same: the same names, Okabe-Ito colours per dataset (one method) or a colour
// and line style per method (several, OOD sets then told apart by markers), and core's curves.

// The ID set then every OOD set of `method`, coloured by dataset.
std::vector<ScoreSeries> histogramSeriesOf(const RunResult& result, const std::string& method);

// ROC and PR curves of `methods` (the first is the current one) against every OOD set that has
// metrics; `keys` receives (method, OOD dataset index) per curve, in order.
struct CurveSet {
    std::vector<RocSeries> roc;
    std::vector<PrSeries> pr;
    std::vector<std::pair<std::string, std::size_t>> keys;
};
CurveSet curveSeriesOf(const RunResult& result, const std::vector<std::string>& methods);

} // namespace oodlens::ui
