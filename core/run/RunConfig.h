// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// What a run is asked to do. The CLI fills it from its options, the GUI's Workspace from its
// docks, a session file from its JSON; the Pipeline turns it into a RunResult.
#include "features/FeatureCache.h"
#include "features/Preprocess.h"
#include "methods/Registry.h"

#include <string>
#include <vector>

namespace oodlens {

enum class DatasetRole { Id, Ood, Fit };
const char* datasetRoleName(DatasetRole role);

struct DatasetSpec {
    std::string name; // "id" for the ID test set; the OOD set's display name otherwise
    std::string path;
    DatasetRole role = DatasetRole::Ood;
    bool operator==(const DatasetSpec& o) const { return name == o.name && path == o.path && role == o.role; }
};

struct RunConfig {
    std::string modelPath;
    std::vector<DatasetSpec> datasets;
    std::vector<std::string> methods; // empty = every method that applies
    ScoreParams params;
    PreprocessSpec preprocess;        // unset fields come from the model's sidecar or hint
    int batchSize = 128;
    int threads = 0;                  // 0 = all cores
    std::string device = "cpu";
    // Feature cache folder (see FeatureCache.h); empty disables the cache.
    std::string cacheDir = FeatureCache::defaultDirectory();
    // Seeded 95% bootstrap intervals on every metrics row when > 0.
    int bootstrap = 0;
    unsigned long long seed = 0;
};

} // namespace oodlens
