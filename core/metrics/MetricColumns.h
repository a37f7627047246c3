// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <limits>
#include "metrics/Metrics.h"

#include <cstddef>
#include <string>
#include <vector>

namespace oodlens {

struct MetricsRow;

// The metric columns every table of a run shows (the GUI's metrics dock, metrics.csv / .json,
// the Markdown and LaTeX tables), in order, defined once: an id (the CSV/JSON key), the header
// label, its LaTeX form with the direction arrow, where the value and its bootstrap interval are
// read, and whether higher is better.
struct MetricColumn {
    const char* id;    // "fpr95_id"
    const char* label; // "FPR@95 (ID+)"
    const char* latex; // "FPR95$_{\mathrm{ID}+}\downarrow$"
    double BinaryMetrics::*value;
    Interval BootstrapIntervals::*interval;
    bool higherIsBetter;

    double of(const BinaryMetrics& m) const { return m.*value; }
    // A column without bootstrap intervals (CCR, AURC) answers NaN bounds.
    Interval of(const BootstrapIntervals& b) const
    {
        return interval ? b.*interval
                        : Interval{std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
    }
};

// AUROC, FPR@95 (ID+), FPR@95 (OOD+), AUPR-In, AUPR-Out, then the deployment metrics: CCR@FPR
// 1e-4 ... 1e-1 and AURC (no bootstrap intervals).
const std::vector<MetricColumn>& metricColumns();

// best[row][column]: whether row `row` holds the best value of metric column `column` among the
// rows of the same OOD set (highest AUROC / AUPR, lowest FPR; ties are all best). A NaN value is
// never best, and an OOD set with a single row has no best (there is nothing to compare).
std::vector<std::vector<bool>> bestPerOodSet(const std::vector<MetricsRow>& rows);

} // namespace oodlens
