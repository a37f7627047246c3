// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The factor table of one (gradient method, OOD set): what the report's HTML and factors.tex print,
// defined once so that both show the same rows and the same numbers. One row each for the gradient
// score, its feature term alone, its output term alone and the best family member: their metrics on
// the test part and, for the three that are not the gradient score, the paired differences to it
// (other - gradient, percentage points, 95 % paired bootstrap interval) and DeLong's p for the
// AUROC difference.
#include "factors/FactorAnalysis.h"

#include <string>
#include <vector>

namespace oodlens {

struct FactorTableRow {
    const char* role = "";    // "Gradient score", "Feature term", "Output term", "Best member"
    std::string label;        // the score ("GradNorm", "||h||_1", "||h||_2^0.5 x Energy")
    const ScoreMetrics* metrics = nullptr;        // test-part metrics in metrics->test
    const FactorComparison* comparison = nullptr; // null for the gradient score's own row
};

// The rows of `analysis` in table order; the best member's row is left out when there is none
// (analysis.best < 0).
std::vector<FactorTableRow> factorTableRows(const FactorAnalysis& analysis);

// The metric columns of the table (ids of metrics/MetricColumns.h): AUROC and FPR@95 (ID+), the two
// the paired comparison gives differences for.
const std::vector<const char*>& factorTableMetricIds();

// How the table prints a difference (fraction) in signed percentage points with two decimals,
// "+0.14" / "-0.31" (ASCII minus; the HTML sets U+2212 in its place; differences are of the printed
// metrics' exact values, other - gradient; intervals the paired bootstrap's), and DeLong's p with three
// significant digits ("0.0312", "1.2e-07"). NaN: "n/a".
std::string signedPointsText(double fraction);
std::string pValueText(double p);
// Whether a comparison has a bootstrap interval to print (resamples > 0 and computed).
bool hasInterval(const FactorComparison& c);

// A score's label (methodLabel(), FamilyMember::label()) in LaTeX: the ASCII notation typeset as
// maths ("||h||_2^0.5 x Energy" -> "$\|h\|_2^{0.5}$ $\times$ Energy"), other text escaped.
std::string latexScoreLabel(const std::string& label);

// The same label as HTML: "&#8214;h&#8214;<sub>2</sub><sup>0.5</sup> &#215; Energy" (as UTF-8), text escaped.
std::string htmlScoreLabel(const std::string& label);

// The table of one analysis as an HTML <table class="factors"> (rows of classes gradient, feature,
// output, best; numbers as in factors.tex, U+2212 for minus), for the report.
std::string factorTableHtml(const FactorAnalysis& analysis);

// factors.tex: one booktabs tabular, a block per (gradient method, OOD set) with its rows, ready
// for \input in a paper (needs \usepackage{booktabs}).
std::string factorsLatex(const FactorReport& report);

} // namespace oodlens
