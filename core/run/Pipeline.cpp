// SPDX-License-Identifier: GPL-3.0-or-later
#include "run/Pipeline.h"

#include "datasets/Dataset.h"
#include "common/Error.h"
#include "methods/Fitted.h"
#include "common/Progress.h"

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

Pipeline::Pipeline(RunConfig config) : config_(std::move(config))
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
    bool haveFit = false;
    for (const DatasetSpec& d : config_.datasets)
        haveFit = haveFit || d.role == DatasetRole::Fit;
    for (const std::string& m : config_.methods)
        if (const MethodInfo* info = findMethod(m); info && info->needsFitSet && !haveFit)
            throw Error("method '" + m + "' needs a fit set (an ID training set: --fit DATASET)");
    model_ = Classifier::load(config_.modelPath, config_.device, probe);
    preprocess_ = resolvePreprocess(config_.preprocess, *model_);
    results_.resize(config_.datasets.size());
    for (std::size_t i = 0; i < results_.size(); ++i) {
        results_[i].spec = config_.datasets[i];
        results_[i].error = "not extracted yet";
    }
}

Pipeline::~Pipeline() = default;

void Pipeline::extract(std::size_t i, ProgressSink* sink)
{
    DatasetResult& r = results_.at(i);
    if (r.spec.role == DatasetRole::Fit) {
        std::lock_guard<std::mutex> lock(fittedMutex_);
        fitted_.clear(); // statistics of the previous fit set no longer apply
    }
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
            r.featureSet = std::make_shared<const FeatureSet>(std::move(*cached));
            r.fromCache = true;
            if (sink)
                sink->update("read '" + r.spec.path + "' from the feature cache", r.items, r.items);
        } else {
            if (!problem.empty() && sink)
                sink->warning(problem);
            ExtractionOptions options;
            options.batchSize = config_.batchSize;
            r.featureSet = std::make_shared<const FeatureSet>(extractFeatures(*model_, *data, preprocess_, options, sink));
            try {
                cache.store(key, r.features(), r.spec.path + " | " + model_->info().path + " | " + preprocess_.describe());
            } catch (const Error& e) {
                if (sink)
                    sink->warning(std::string(e.what()) + " (results are kept in memory)");
            }
        }
        for (const std::string& s : r.features().skipped)
            if (r.fromCache && sink)
                sink->warning("skipped " + s);
        r.error.clear();
    } catch (const Error& e) {
        r.featureSet = std::make_shared<const FeatureSet>();
        r.error = e.what();
        if (sink)
            sink->warning(r.spec.name + ": " + r.error);
    }
}

void Pipeline::extractAll(ProgressSink* sink, const std::function<void(std::size_t)>& onDataset)
{
    for (std::size_t i = 0; i < results_.size(); ++i) {
        if (results_[i].ok())
            continue;
        // Fit sets are extracted only when a fitted method asks for them.
        if (results_[i].spec.role == DatasetRole::Fit) {
            bool needed = false;
            for (const std::string& m : methods())
                if (const MethodInfo* info = findMethod(m); info && info->needsFitSet)
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

void Pipeline::setParams(const ScoreParams& params) { config_.params = params; }

void Pipeline::setMethods(const std::vector<std::string>& methods)
{
    for (const std::string& m : methods)
        if (!findMethod(m))
            throw Error("unknown method '" + m + "'");
    config_.methods = methods;
}

std::size_t Pipeline::addDataset(const DatasetSpec& spec)
{
    if (spec.role == DatasetRole::Id && idIndex() >= 0)
        throw Error("there is already an ID test set");
    config_.datasets.push_back(spec);
    DatasetResult r;
    r.spec = spec;
    r.error = "not extracted yet";
    results_.push_back(std::move(r));
    return results_.size() - 1;
}

void Pipeline::removeDataset(std::size_t index)
{
    if (index >= results_.size())
        return;
    if (results_[index].spec.role == DatasetRole::Fit) {
        std::lock_guard<std::mutex> lock(fittedMutex_);
        fitted_.clear();
    }
    config_.datasets.erase(config_.datasets.begin() + static_cast<long>(index));
    results_.erase(results_.begin() + static_cast<long>(index));
}

int Pipeline::idIndex() const
{
    for (std::size_t i = 0; i < results_.size(); ++i)
        if (results_[i].spec.role == DatasetRole::Id)
            return static_cast<int>(i);
    return -1;
}

std::vector<std::size_t> Pipeline::oodIndices() const
{
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < results_.size(); ++i)
        if (results_[i].spec.role == DatasetRole::Ood)
            out.push_back(i);
    return out;
}

std::vector<std::string> Pipeline::methods() const
{
    if (!config_.methods.empty())
        return config_.methods;
    const bool haveFit = fitIndex() >= 0;
    std::vector<std::string> out;
    for (const MethodInfo& m : methodRegistry())
        if (haveFit || !m.needsFitSet)
            out.push_back(m.id);
    return out;
}

int Pipeline::fitIndex() const
{
    for (std::size_t i = 0; i < results_.size(); ++i)
        if (results_[i].spec.role == DatasetRole::Fit)
            return static_cast<int>(i);
    return -1;
}

std::shared_ptr<const FittedScorer> Pipeline::fitted(const std::string& method, ProgressSink* sink) const
{
    const MethodInfo* info = findMethod(method);
    if (!info || !isFittedMethod(method))
        throw Error("'" + method + "' is not a fitted method");
    std::string key = method;
    for (const ParamSpec& p : info->params)
        key += "|" + p.name + "=" + std::to_string(config_.params.value(method, p));
    std::lock_guard<std::mutex> lock(fittedMutex_);
    if (auto it = fitted_.find(key); it != fitted_.end())
        return it->second;
    const FeatureSet* fit = nullptr;
    if (info->needsFitSet) {
        const int f = fitIndex();
        if (f < 0)
            throw Error(method + " needs a fit set (an ID training set: --fit DATASET)");
        if (!results_[f].ok())
            throw Error(method + ": the fit set could not be used: " + results_[f].error);
        fit = &results_[f].features();
    }
    std::shared_ptr<const FittedScorer> scorer = fitScorer(method, fit, model_->head(), config_.params, sink);
    fitted_[key] = scorer;
    return scorer;
}

std::vector<double> Pipeline::scores(const std::string& method, std::size_t dataset, ProgressSink* sink) const
{
    const DatasetResult& r = results_.at(dataset);
    if (!r.ok())
        return {};
    if (method == "odin")
        return odinScores(dataset, sink);
    if (isFittedMethod(method))
        return fitted(method, sink)->score(r.features(), sink);
    return computeScores(method, r.features(), model_->head(), config_.params, sink);
}

ScoreTable Pipeline::scoreTable(const std::vector<std::string>& methods, ProgressSink* sink) const
{
    ScoreTable table;
    std::vector<std::string> plain, fittedMethods;
    for (const std::string& m : methods) {
        table[m].resize(results_.size());
        (isFittedMethod(m) || m == "odin" ? fittedMethods : plain).push_back(m);
    }
    for (std::size_t i = 0; i < results_.size(); ++i) {
        if (results_[i].spec.role == DatasetRole::Fit || !results_[i].ok())
            continue;
        auto perMethod = computeScoreSet(plain, results_[i].features(), model_->head(), config_.params, sink);
        for (auto& [m, v] : perMethod)
            table[m][i] = std::move(v);
        for (const std::string& m : fittedMethods)
            table[m][i] = m == "odin" ? odinScores(i, sink) : fitted(m, sink)->score(results_[i].features(), sink);
    }
    return table;
}

std::vector<MetricsRow> Pipeline::metricsTable(const ScoreTable& table, int bootstrapResamples,
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

std::vector<double> Pipeline::odinScores(std::size_t dataset, ProgressSink* sink) const
{
    const DatasetResult& r = results_.at(dataset);
    if (!r.ok())
        return {};
    const double temperature = config_.params.value("odin", "T", 1000);
    const double epsilon = config_.params.value("odin", "eps", 0.0014);
    if (!(temperature > 0))
        throw Error("odin: temperature T must be positive");
    char params[64];
    std::snprintf(params, sizeof params, ";odin;T=%.17g;eps=%.17g", temperature, epsilon);
    const std::string key = FeatureCache::key(model_->info().sha256, r.fingerprint,
                                              preprocess_.describe() + ";device=" + config_.device + params);
    {
        std::lock_guard<std::mutex> lock(fittedMutex_);
        if (auto it = odin_.find(key); it != odin_.end())
            return it->second;
    }
    const FeatureCache cache(config_.cacheDir);
    std::vector<double> scores;
    if (auto cached = cache.load(key); cached && cached->rows == r.features().rows) {
        scores.assign(cached->features.begin(), cached->features.end());
    } else {
        std::unique_ptr<Dataset> data = openDataset(r.spec.path);
        ExtractionOptions options;
        options.batchSize = config_.batchSize;
        forEachBatch(*data, preprocess_, options, sink, "ODIN '" + r.spec.path + "'",
                     [&](const float* input, const std::vector<std::size_t>& items, const std::vector<std::string>&,
                         int c, int h, int w) {
                         if (items.empty())
                             return;
                         const auto s = model_->odinScores(input, static_cast<int>(items.size()), c, h, w, temperature,
                                                           epsilon, preprocess_.stddev);
                         scores.insert(scores.end(), s.begin(), s.end());
                     });
        if (scores.size() != r.features().rows)
            throw Error("odin: '" + r.spec.path + "' changed since its features were extracted");
        FeatureSet stored; // one column: the scores (as float, like every cached feature)
        stored.rows = scores.size();
        stored.dim = 1;
        stored.features.assign(scores.begin(), scores.end());
        stored.labels.assign(stored.rows, -1);
        stored.index.assign(stored.rows, 0);
        stored.paths.assign(stored.rows, std::string());
        try {
            cache.store(key, stored, "odin scores of " + r.spec.path);
        } catch (const Error& e) {
            if (sink)
                sink->warning(e.what());
        }
        scores.assign(stored.features.begin(), stored.features.end()); // same precision cached or not
    }
    std::lock_guard<std::mutex> lock(fittedMutex_);
    odin_[key] = scores;
    return scores;
}

} // namespace oodlens
