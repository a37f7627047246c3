// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// What a run is asked to do. The CLI fills it from its options, the GUI's Workspace from its
// docks, a session file from its JSON; the Pipeline turns it into a RunResult.
#include "datasets/ImageDecode.h"
#include "features/FeatureCache.h"
#include "features/Preprocess.h"
#include "methods/Registry.h"
#include "sweep/Sweep.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace oodlens {

// Id: the ID test set. Ood: a test OOD set (the metrics table). Fit: ID training images for the
// fitted baselines. ValidationId, ValidationOod: the validation pair a sweep chooses parameters on
// (sweep/Sweep.h); they are never in the metrics table, and are extracted only when a sweep runs.
enum class DatasetRole { Id, Ood, Fit, ValidationId, ValidationOod };
// "id", "ood", "fit", "val_id", "val_ood" (session files, run.json, scores.csv).
const char* datasetRoleName(DatasetRole role);
// Every role, in the order above.
const std::vector<DatasetRole>& datasetRoles();

struct DatasetSpec {
    DatasetSpec() = default;
    // {name, path, role[, group]}: a constructor, so that the three-field form stays valid (and
    // warning-free) now that there is a fourth.
    DatasetSpec(std::string name_, std::string path_, DatasetRole role_ = DatasetRole::Ood, std::string group_ = {})
        : name(std::move(name_)), path(std::move(path_)), role(role_), group(std::move(group_))
    {
    }
    // The name plots and tables show (datasetLabel). An ID set without a name of its own is
    // called "id" in configs and shown by its file name.
    std::string name;
    std::string path;
    DatasetRole role = DatasetRole::Ood;
    // OOD sets: the group the results table averages it with ("near", "far"); empty = none.
    // Set by `--group NAME=GROUP` and the session's "group"; it changes no score.
    std::string group;
    // The same data under the same name and role (the group aside): extracted features stay valid.
    bool sameData(const DatasetSpec& o) const { return name == o.name && path == o.path && role == o.role; }
    bool operator==(const DatasetSpec& o) const { return sameData(o) && group == o.group; }
};

// The name a dataset is shown by: its own, else (an ID set named "id" or nothing) its file name.
std::string datasetLabel(const DatasetSpec& spec);

// What RunConfig::addDataset did with a spec.
struct DatasetAddition {
    bool added = false;     // false: refused, `refusal` says why, the config is unchanged
    std::size_t index = 0;  // where the added spec is now
    int replaced = -1;      // the index the previous ID set had (it was removed first), or -1
    DatasetSpec spec;       // the spec as added (its name made unique)
    std::string refusal;
};

struct RunConfig {
    std::string modelPath;
    std::vector<DatasetSpec> datasets;
    std::vector<std::string> methods; // empty = every method that applies
    ScoreParams params;
    PreprocessSpec preprocess;        // unset fields come from the model's sidecar or hint
    int batchSize = 128;
    int threads = 0;                  // 0 = all cores
    // Images of more pixels are refused from their header before decoding, and skipped with a
    // message naming them (decodeImageFile); `--max-pixels N`.
    std::uint64_t maxPixels = kDefaultMaxImagePixels;
    std::string device = "cpu";
    // Feature cache folder (see FeatureCache.h); empty disables the cache.
    std::string cacheDir = FeatureCache::defaultDirectory();
    // Seeded 95% bootstrap intervals on every metrics row when > 0.
    int bootstrap = 0;
    unsigned long long seed = 0;
    // ID images of the full-network backward timing probe (RunResult::costs) when the run scores
    // a gradient method; the autograd probe takes up to 16 times as many rows of the ID features.
    // 0 = no cost measurement. `--cost-probe N`.
    int costProbeImages = 16;
    // Sweeps (sweep/Sweep.h, `--sweep METHOD[.PARAM]`): each request's parameters are chosen on the
    // validation pair. With applySweeps the chosen values replace the method's parameters for every
    // score of the run (the CLI); without, the result carries the sweeps and the scores keep the
    // config's parameters (the GUI's Sweep tab, whose "Apply best" sets them).
    std::vector<SweepRequest> sweeps;
    SweepSettings sweepSettings;
    bool applySweeps = true;

    // The dataset rules, the one place they are written (the GUI's docks, drops and sessions add
    // through here):
    // - a dataset needs a path, and the same path is never added twice in the same role;
    // - there is one ID test set: adding another replaces it; likewise one validation ID set. It keeps the name it is given
    //   ("id" when none: then plots show its file name);
    // - OOD and fit sets are named by the spec, else by their file or folder name. Names are
    //   unique across roles, since plots, tables and scores.csv tell sets apart by name: a name
    //   taken from the file gets "-2", "-3", ... (also when the ID set is shown by that name); a
    //   name the spec gives that another set has, or "id" for a set that is not the ID set, is
    //   refused.
    DatasetAddition addDataset(DatasetSpec spec);
    // Removes dataset `index`; false when there is none.
    bool removeDataset(std::size_t index);
    // Index of the ID test set in `datasets`, or -1.
    int idDataset() const;
    // A model is given, or the ID set is a features file (features/FeaturesFile.h), whose head then
    // stands in for one: what every analysis needs besides its datasets.
    bool hasModelOrHead() const;
    bool hasRole(DatasetRole role) const;
};

} // namespace oodlens
