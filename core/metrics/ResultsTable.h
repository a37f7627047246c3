// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The results table of a run, as OpenOOD reports them: one row per method, one column per OOD set
// (AUROC and FPR@95 in each), one mean per group of OOD sets ("near", "far") and an overall mean,
// and the ID classification accuracy when the ID set has labels. Built once here; the GUI's
// Results table view and the LaTeX / Markdown / CSV exports (io/ResultsTableExport.h) show it.
#include "metrics/MetricColumns.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace oodlens {

struct FeatureSet;
struct RunResult;

// The classifier's top-1 accuracy on the labelled images of a set: argmax of the logits against
// the label, over the rows with a label (label >= 0; a label outside the model's classes counts
// as wrong). Empty when no row has a label.
struct ClassificationAccuracy {
    double accuracy = 0;      // fraction in [0, 1]
    std::size_t correct = 0;
    std::size_t labelled = 0; // rows with a label
    std::size_t rows = 0;     // rows of the set
};
std::optional<ClassificationAccuracy> classificationAccuracy(const FeatureSet& set);

struct ResultsTable {
    enum class ColumnKind {
        OodSet,    // one OOD set
        GroupMean, // the mean over the OOD sets of one group
        Mean,      // the mean over every OOD set
    };
    struct Column {
        ColumnKind kind = ColumnKind::OodSet;
        std::string name;  // the OOD set's name; "near" for a group mean; "Mean" for the overall mean
        std::string group; // the group of the set or of the mean ("" = none)
        std::vector<std::size_t> members; // means: the OodSet columns averaged
    };
    struct Row {
        std::string method; // registry id
        std::string label;  // methodLabel(): "ExGrad (flipped)"
        bool flipped = false;
        // values[column][metric], fractions; NaN where the metrics could not be computed (a mean
        // over a NaN is NaN).
        std::vector<std::vector<double>> values;
    };

    // The metrics of every cell: AUROC and FPR@95 (ID+), the OOD sets accepted at the threshold
    // where 95 % of the ID set is accepted (the ODIN / Energy / GradNorm convention), as core's
    // metricColumns() defines them (labels, LaTeX, direction).
    std::vector<const MetricColumn*> metrics;
    // OOD sets grouped in the order their groups first appear, each group followed by its mean;
    // sets without a group after the grouped ones; the overall mean last. With no group at all:
    // the sets in run order, then the mean.
    std::vector<Column> columns;
    std::vector<Row> rows; // the run's methods, in its order
    std::string idName;    // the ID set's name
    std::optional<ClassificationAccuracy> idAccuracy;

    // Whether cell (row, column, metric) holds the best value of its column and metric among the
    // rows (highest AUROC, lowest FPR; ties are all best). NaN is never best, and a column with
    // fewer than two finite values has no best. Shown in bold, and bold means nothing else.
    bool isBest(std::size_t row, std::size_t column, std::size_t metric) const;
    // An AUROC below 50 %: the score ranks OOD above ID on this data (its orientation is reversed;
    // see the `flip` parameter). Marked with a dagger in exports, grey italic in the GUI: never bold.
    static bool belowChance(double auroc) { return auroc < 0.5; }
    // The index of the AUROC metric in `metrics`.
    static constexpr std::size_t kAuroc = 0;
    static constexpr std::size_t kFpr95 = 1;

    std::vector<std::vector<std::vector<bool>>> best; // best[row][column][metric]
};

// The table of a run: every method of result.methods with a metrics row, every OOD set that was
// scored, groups from result.config.datasets.
ResultsTable buildResultsTable(const RunResult& result);

} // namespace oodlens
