// SPDX-License-Identifier: GPL-3.0-or-later
#include "workspace/AnalysisWorker.h"

#include "workspace/CancellableProgressSink.h"
#include "datasets/Dataset.h"
#include "common/Error.h"

#include <chrono>
#include <exception>
#include <map>
#include <string>

namespace oodlens::ui {

namespace {

// The ID set is called "id" in a config; its file name says more on a plot.
std::string displayName(const DatasetSpec& spec)
{
    if (spec.role == DatasetRole::Id && (spec.name.empty() || spec.name == "id"))
        return datasetDisplayName(spec.path);
    return spec.name;
}

bool sameSpec(const DatasetSpec& a, const DatasetSpec& b)
{
    return a.name == b.name && a.path == b.path && a.role == b.role;
}

// What the model side of an analysis depends on: when these match, loaded model and extracted
// features stay valid.
bool sameModelSide(const RunConfig& a, const RunConfig& b)
{
    return a.modelPath == b.modelPath && a.device == b.device && a.batchSize == b.batchSize &&
           a.cacheDir == b.cacheDir && a.preprocess.describe() == b.preprocess.describe();
}

DatasetSummary summaryOf(const DatasetResult& r)
{
    DatasetSummary d;
    d.name = displayName(r.spec);
    d.path = r.spec.path;
    d.role = r.spec.role;
    d.kind = r.kind;
    d.items = r.items;
    d.rows = r.ok() ? r.features().rows : 0;
    d.skipped = r.features().skipped.size();
    d.error = r.error;
    d.fromCache = r.fromCache;
    return d;
}

// Metrics of every (method, OOD set) pair. Pipeline::metricsTable throws when one pair has no
// usable score (all NaN); the other pairs still deserve a row, so that case goes pair by pair.
std::vector<MetricsRow> computeMetricsRows(const Pipeline& analysis, const ScoreTable& table, int bootstrap,
                                           std::vector<std::string>& warnings)
{
    constexpr unsigned long long kSeed = 0;
    try {
        return analysis.metricsTable(table, bootstrap, kSeed);
    } catch (const Error&) {
    }
    std::vector<MetricsRow> rows;
    const int id = analysis.idIndex();
    for (const std::string& method : analysis.methods()) {
        const auto it = table.find(method);
        if (it == table.end())
            continue;
        for (std::size_t ood : analysis.oodIndices()) {
            const DatasetResult& r = analysis.results()[ood];
            if (!r.ok() || it->second[ood].empty())
                continue;
            try {
                MetricsRow row;
                row.method = method;
                row.ood = r.spec.name;
                row.metrics = computeMetrics(it->second[id], it->second[ood]);
                if (bootstrap > 0) {
                    row.intervals = bootstrapMetrics(it->second[id], it->second[ood], bootstrap, kSeed);
                    row.hasIntervals = true;
                }
                rows.push_back(std::move(row));
            } catch (const Error& e) {
                warnings.push_back(method + " on " + r.spec.name + ": no metrics (" + e.what() + ")");
            }
        }
    }
    return rows;
}

// Methods cheap enough to score after every dataset: neither per-sample autograd, nor a fit, nor
// another pass over the images. Scoring these from the kept features takes milliseconds.
bool isClosedForm(const std::string& method)
{
    const MethodInfo* info = findMethod(method);
    return info && !info->perSampleGradient && !info->needsFitSet && !info->needsImages;
}

// Everything but scores, metrics and warnings: the datasets (all of them, so that indices match
// the final result), the usable OOD sets and the model.
std::shared_ptr<RunResult> resultShell(const Pipeline& analysis, std::vector<std::size_t> oods)
{
    auto result = std::make_shared<RunResult>();
    result->idIndex = analysis.idIndex();
    result->oodIndices = std::move(oods);
    for (const DatasetResult& r : analysis.results()) {
        result->datasets.push_back(summaryOf(r));
        result->features.push_back(r.featureSet);
    }
    result->head = analysis.model().head();
    result->model = analysis.model().info();
    result->params = analysis.config().params;
    return result;
}

// The partial result after an OOD set: ID and the OOD sets extracted so far, closed-form methods
// only, no bootstrap. Null when there is nothing to show yet (ID set not extracted, no OOD set ok).
RunResultPtr partialResultOf(const Pipeline& analysis, CancellableProgressSink* sink, double seconds)
{
    const int id = analysis.idIndex();
    if (id < 0 || !analysis.results()[static_cast<std::size_t>(id)].ok())
        return nullptr;
    std::vector<std::size_t> oods;
    for (std::size_t i : analysis.oodIndices())
        if (analysis.results()[i].ok())
            oods.push_back(i);
    std::vector<std::string> methods;
    for (const std::string& m : analysis.methods())
        if (isClosedForm(m))
            methods.push_back(m);
    if (oods.empty() || methods.empty())
        return nullptr;
    auto result = resultShell(analysis, std::move(oods));
    result->partial = true;
    result->methods = std::move(methods);
    result->scores = analysis.scoreTable(result->methods, sink);
    result->warnings = sink->warnings();
    result->metrics = computeMetricsRows(analysis, result->scores, 0, result->warnings);
    result->seconds = seconds;
    return result;
}

} // namespace

AnalysisWorker::~AnalysisWorker() = default;

void AnalysisWorker::prepare(const RunConfig& config)
{
    if (analysis_ && sameModelSide(analysis_->config(), config)) {
        // Drop the datasets the new config no longer has, add the ones it gained; the rest keep
        // their features.
        for (std::size_t i = analysis_->results().size(); i-- > 0;) {
            bool kept = false;
            for (const DatasetSpec& spec : config.datasets)
                kept = kept || sameSpec(spec, analysis_->results()[i].spec);
            if (!kept)
                analysis_->removeDataset(i);
        }
        for (const DatasetSpec& spec : config.datasets) {
            bool present = false;
            for (const DatasetResult& r : analysis_->results())
                present = present || sameSpec(spec, r.spec);
            if (!present)
                analysis_->addDataset(spec);
        }
        analysis_->setParams(config.params);
        analysis_->setMethods(config.methods);
        return;
    }
    analysis_.reset();
    analysis_ = std::make_unique<Pipeline>(config);
    ++modelLoads_;
}

void AnalysisWorker::run(quint64 runId, const RunConfig& config, std::shared_ptr<const std::atomic<bool>> cancel,
                         int bootstrapResamples)
{
    const auto start = std::chrono::steady_clock::now();
    CancellableProgressSink sink(std::move(cancel),
                                 [this, runId](const std::string& stage, std::size_t done, std::size_t total) {
                                     emit progress(runId, QString::fromStdString(stage), done, total);
                                 });
    std::map<std::string, std::string> names;
    for (const DatasetSpec& spec : config.datasets)
        names[spec.path] = displayName(spec);
    sink.setPathNames(names);

    try {
        throwIfCancelled(&sink);
        if (!analysis_ || !sameModelSide(analysis_->config(), config))
            emit progress(runId, tr("loading the model"), 0, 0);
        prepare(config);
        Pipeline& analysis = *analysis_;
        throwIfCancelled(&sink);
        const auto elapsed = [start] {
            return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        };
        analysis.extractAll(&sink, [this, runId, &analysis, &sink, &elapsed](std::size_t i) {
            const DatasetResult& r = analysis.results()[i];
            ++extractions_;
            if (r.ok() && !r.fromCache)
                ++modelPasses_;
            emit datasetFinished(runId, summaryOf(r));
            // Results appear as each OOD set finishes; the final result replaces them at the end.
            throwIfCancelled(&sink);
            if (r.ok() && r.spec.role == DatasetRole::Ood)
                if (RunResultPtr partial = partialResultOf(analysis, &sink, elapsed()))
                    emit partialResult(runId, std::move(partial));
        });

        const int id = analysis.idIndex();
        if (id < 0 || !analysis.results()[static_cast<std::size_t>(id)].ok())
            throw Error("ID test set: " + (id < 0 ? std::string("none given") : analysis.results()[id].error));
        std::vector<std::size_t> oods;
        std::string oodErrors;
        for (std::size_t i : analysis.oodIndices()) {
            if (analysis.results()[i].ok())
                oods.push_back(i);
            else
                oodErrors += (oodErrors.empty() ? "" : "; ") + analysis.results()[i].spec.name + ": " +
                             analysis.results()[i].error;
        }
        if (oods.empty())
            throw Error(oodErrors.empty() ? std::string("no OOD set given") : "no OOD set could be read: " + oodErrors);

        emit progress(runId, tr("scoring"), 0, 0);
        auto result = resultShell(analysis, oods);
        result->methods = analysis.methods();
        result->scores = analysis.scoreTable(result->methods, &sink);
        throwIfCancelled(&sink);
        result->warnings = sink.warnings();
        if (bootstrapResamples > 0)
            emit progress(runId, tr("bootstrap intervals"), 0, 0);
        result->metrics = computeMetricsRows(analysis, result->scores, bootstrapResamples, result->warnings);
        throwIfCancelled(&sink);

        result->seconds = elapsed();
        emit finished(runId, std::move(result));
    } catch (const Cancelled&) {
        emit cancelled(runId);
    } catch (const Error& e) {
        emit failed(runId, QString::fromStdString(e.what()));
    } catch (const std::exception& e) {
        // Anything else is a bug, but the GUI must survive it and say what happened.
        emit failed(runId, tr("internal error: %1").arg(QString::fromStdString(e.what())));
    }
}

} // namespace oodlens::ui
