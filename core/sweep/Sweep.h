// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Honest hyperparameter selection (OpenOOD's APS idea): a method's parameters are swept over the
// grids its registry entry declares (ParamSpec::grid), each value is scored on a validation pair
// only - validation ID images (a seeded split of the ID test set, or a given ID validation set)
// against validation OOD sets - and the best value by AUROC or FPR@95 is chosen. The test OOD sets
// are never scored before the choice; afterwards every value's test metrics are computed so that a
// plot can show validation and test side by side.
#include "metrics/Metrics.h"
#include "methods/Registry.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace oodlens {

class ProgressSink;

enum class SweepObjective { Auroc, Fpr95 };
// "auroc", "fpr95" (files, the command line).
const char* sweepObjectiveName(SweepObjective objective);
// Throws Error naming the accepted values.
SweepObjective parseSweepObjective(const std::string& text);

// What to sweep: one method, and the parameters of it that have a grid (all of them when empty).
struct SweepRequest {
    std::string method;
    std::vector<std::string> params;
    // "energy.T", "odin" (every parameter with a grid). Throws Error naming an unknown method, a
    // parameter the method does not have, or one without a grid, and a method with no grid at all.
    static SweepRequest parse(const std::string& text);
    std::string text() const; // "energy.T", "odin"
    // The swept parameters, in the method's parameter order: `params`, or every one with a grid.
    std::vector<std::string> sweptParams() const;
    bool operator==(const SweepRequest& o) const { return method == o.method && params == o.params; }
};

// How the validation pair is formed and what is maximised.
struct SweepSettings {
    SweepObjective objective = SweepObjective::Auroc;
    // Without a validation ID set, this fraction of the ID test set (validationMask, seeded with
    // `seed`) is the validation ID part; the test metrics of the sweep use the rest.
    double idFraction = 0.3;
    std::uint64_t seed = 0;
    bool operator==(const SweepSettings& o) const
    {
        return objective == o.objective && idFraction == o.idFraction && seed == o.seed;
    }
};

// The grid of a request: the Cartesian product of the swept parameters' grids (first parameter
// slowest), each point the swept parameters' values.
using SweepValues = std::map<std::string, double>;
std::vector<SweepValues> sweepGrid(const SweepRequest& request);
// `base` with the method's own key set to each value of `point` ("energy.T=10").
ScoreParams withSweepValues(const ScoreParams& base, const std::string& method, const SweepValues& point);
// "T=10, eps=0.0028".
std::string sweepValuesText(const SweepValues& point);

struct SweepPoint {
    SweepValues values;
    std::vector<BinaryMetrics> validation; // one per validation OOD set
    double objective = 0;                  // the mean over validation OOD sets of AUROC or FPR@95
    std::vector<BinaryMetrics> test;       // one per test OOD set; empty when not computed
    std::string error;                     // the value could not be scored (k above the fit bank, say)
    bool ok() const { return error.empty(); }
};

struct SweepResult {
    SweepRequest request;
    SweepSettings settings;
    std::vector<std::string> params; // swept parameters
    std::vector<SweepPoint> points;  // grid order
    int best = -1;                   // index into points, -1 when no value could be scored
    std::string validationId;        // "mnist-test (validation part: 600 of 2,000 images, seed 0)"
    std::size_t validationIdImages = 0, testIdImages = 0;
    std::vector<std::string> validationOods, testOods; // dataset names
    std::string note; // e.g. "test metrics at the chosen value only: odin runs the model for every value"
    const SweepPoint* chosen() const { return best >= 0 ? &points[static_cast<std::size_t>(best)] : nullptr; }
};

// The best point by its validation objective only: the highest mean AUROC or the lowest mean
// FPR@95; a tie goes to the first in grid order; a point with an error or a NaN objective never
// wins. -1 when no point can.
int chooseSweepPoint(const std::vector<SweepPoint>& points, SweepObjective objective);

// What a sweep scores. `scores(params, dataset)` returns the method's oriented scores on dataset
// `dataset` (an index of the run) at `params`; it may throw Error for a value that cannot be used.
struct SweepInputs {
    std::function<std::vector<double>(const ScoreParams& params, std::size_t dataset)> scores;
    std::size_t idDataset = 0;
    // The ID test set's validation rows (validationMask); empty when validationIdDataset is given.
    std::vector<bool> idValidationRows;
    int validationIdDataset = -1;
    std::vector<std::pair<std::size_t, std::string>> validationOods, testOods; // (dataset, name)
    std::string idName, validationIdName;
    std::size_t idRows = 0;
    // Score the test sets for every grid value after the choice (false: at the chosen value only).
    bool testEveryValue = true;
};

// Runs the sweep: validation scores of every grid value, the choice, then test metrics. Throws
// Error without a validation OOD set or validation ID images; Cancelled when `cancel` asks.
SweepResult runSweep(const SweepRequest& request, const SweepSettings& settings, const ScoreParams& base,
                     const SweepInputs& inputs, const ProgressSink* cancel = nullptr);

} // namespace oodlens
