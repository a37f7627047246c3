// SPDX-License-Identifier: GPL-3.0-or-later
#include "Analysis.h"

#include "Dataset.h"
#include "Error.h"
#include "Progress.h"

namespace oodlens {

const char* datasetRoleName(DatasetRole role)
{
    switch (role) {
    case DatasetRole::Id:
        return "id";
    case DatasetRole::Ood:
        return "ood";
    case DatasetRole::Fit:
        return "fit";
    }
    return "";
}

Analysis::Analysis(AnalysisConfig config) : config_(std::move(config))
{
    if (config_.modelPath.empty())
        throw Error("no model given");
    int ids = 0;
    for (const DatasetSpec& d : config_.datasets)
        ids += d.role == DatasetRole::Id;
    if (ids != 1)
        throw Error(ids == 0 ? "no ID test set given" : "more than one ID test set given");
    std::vector<int> probe;
    const PreprocessSpec& p = config_.preprocess;
    if (p.channels > 0 && p.height > 0 && p.width > 0)
        probe = {p.channels, p.height, p.width};
    else if (p.channels > 0 && p.crop > 0)
        probe = {p.channels, p.crop, p.crop};
    model_ = Classifier::load(config_.modelPath, config_.device, probe);
    preprocess_ = resolvePreprocess(config_.preprocess, *model_);
    results_.resize(config_.datasets.size());
    for (std::size_t i = 0; i < results_.size(); ++i) {
        results_[i].spec = config_.datasets[i];
        results_[i].error = "not extracted yet";
    }
}

Analysis::~Analysis() = default;

void Analysis::extract(std::size_t i, ProgressSink* sink)
{
    DatasetResult& r = results_.at(i);
    try {
        std::unique_ptr<Dataset> data = openDataset(r.spec.path);
        r.kind = data->kind();
        r.items = data->size();
        r.fingerprint = data->fingerprint();
        r.fromCache = false;
        const FeatureCache cache(config_.cacheDir);
        const std::string key = FeatureCache::key(model_->info().sha256, r.fingerprint,
                                                  preprocess_.describe() + ";device=" + config_.device);
        std::string problem;
        if (auto cached = cache.load(key, &problem)) {
            r.features = std::move(*cached);
            r.fromCache = true;
            if (sink)
                sink->update("read '" + r.spec.path + "' from the feature cache", r.items, r.items);
        } else {
            if (!problem.empty() && sink)
                sink->warning(problem);
            ExtractionOptions options;
            options.batchSize = config_.batchSize;
            r.features = extractFeatures(*model_, *data, preprocess_, options, sink);
            try {
                cache.store(key, r.features, r.spec.path + " | " + model_->info().path + " | " + preprocess_.describe());
            } catch (const Error& e) {
                if (sink)
                    sink->warning(std::string(e.what()) + " (results are kept in memory)");
            }
        }
        for (const std::string& s : r.features.skipped)
            if (r.fromCache && sink)
                sink->warning("skipped " + s);
        r.error.clear();
    } catch (const Error& e) {
        r.features = FeatureSet();
        r.error = e.what();
        if (sink)
            sink->warning(r.spec.name + ": " + r.error);
    }
}

void Analysis::extractAll(ProgressSink* sink, const std::function<void(std::size_t)>& onDataset)
{
    for (std::size_t i = 0; i < results_.size(); ++i) {
        if (results_[i].ok())
            continue;
        // Fit sets are extracted only when a fitted method asks for them.
        if (results_[i].spec.role == DatasetRole::Fit) {
            bool needed = false;
            for (const std::string& m : methods())
                if (const MethodInfo* info = findMethod(m); info && info->group == MethodGroup::Fitted)
                    needed = true;
            if (!needed) {
                results_[i].error = "not needed by the chosen methods";
                continue;
            }
        }
        extract(i, sink);
        if (onDataset)
            onDataset(i);
    }
}

int Analysis::idIndex() const
{
    for (std::size_t i = 0; i < results_.size(); ++i)
        if (results_[i].spec.role == DatasetRole::Id)
            return static_cast<int>(i);
    return -1;
}

std::vector<std::size_t> Analysis::oodIndices() const
{
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < results_.size(); ++i)
        if (results_[i].spec.role == DatasetRole::Ood)
            out.push_back(i);
    return out;
}

std::vector<std::string> Analysis::methods() const
{
    return config_.methods.empty() ? parseMethodList("") : config_.methods;
}

std::vector<double> Analysis::scores(const std::string& method, std::size_t dataset, ProgressSink* sink) const
{
    const DatasetResult& r = results_.at(dataset);
    if (!r.ok())
        return {};
    return computeScores(method, r.features, model_->head(), config_.params, sink);
}

ScoreTable Analysis::scoreTable(const std::vector<std::string>& methods, ProgressSink* sink) const
{
    ScoreTable table;
    for (const std::string& m : methods)
        table[m].resize(results_.size());
    for (std::size_t i = 0; i < results_.size(); ++i) {
        if (results_[i].spec.role == DatasetRole::Fit || !results_[i].ok())
            continue;
        auto perMethod = computeScoreSet(methods, results_[i].features, model_->head(), config_.params, sink);
        for (auto& [m, v] : perMethod)
            table[m][i] = std::move(v);
    }
    return table;
}

std::vector<MetricsRow> Analysis::metricsTable(const ScoreTable& table, int bootstrapResamples,
                                               unsigned long long bootstrapSeed) const
{
    std::vector<MetricsRow> rows;
    const int id = idIndex();
    if (id < 0 || !results_[id].ok())
        return rows;
    for (const std::string& m : methods()) {
        auto it = table.find(m);
        if (it == table.end())
            continue;
        for (std::size_t o : oodIndices()) {
            if (!results_[o].ok() || it->second[o].empty())
                continue;
            const auto& idScores = it->second[id];
            const auto& oodScores = it->second[o];
            MetricsRow row{m, results_[o].spec.name, {}, false, {}};
            try {
                row.metrics = computeMetrics(idScores, oodScores);
                if (bootstrapResamples > 0) {
                    row.intervals = bootstrapMetrics(idScores, oodScores, bootstrapResamples, bootstrapSeed);
                    row.hasIntervals = true;
                }
            } catch (const Error&) {
                continue; // every score NaN: nothing to rank; reported by the caller via the score table
            }
            rows.push_back(row);
        }
    }
    return rows;
}

} // namespace oodlens
