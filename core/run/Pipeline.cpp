// SPDX-License-Identifier: GPL-3.0-or-later
#include "run/Pipeline.h"
#include "metrics/ValidationSplit.h"

#include "common/Error.h"
#include "datasets/ClassNames.h"
#include "datasets/Dataset.h"
#include "features/Extraction.h"
#include "features/FeaturesFile.h"
#include "features/FeatureCache.h"
#include "metrics/Deployment.h"
#include "methods/Scores.h"
#include "methods/internal/CommonParams.h"
#include "run/Options.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

namespace oodlens {

const char* datasetRoleName(DatasetRole role)
{
    switch (role) {
    case DatasetRole::Id: return "id";
    case DatasetRole::Ood: return "ood";
    case DatasetRole::Fit: return "fit";
    case DatasetRole::ValidationId: return "val_id";
    case DatasetRole::ValidationOod: return "val_ood";
    }
    return "";
}

const char* runStageName(RunStage stage)
{
    switch (stage) {
    case RunStage::LoadModel: return "loading the model";
    case RunStage::Extract: return "extracting";
    case RunStage::Fit: return "fitting";
    case RunStage::Score: return "scoring";
    case RunStage::Images: return "scoring the images";
    case RunStage::Metrics: return "metrics";
    case RunStage::Cost: return "timing the scores";
    case RunStage::Sweep: return "sweeping";
    }
    return "";
}

namespace {


// The size of the first readable image of the first few of a dataset ({} when none is, or the
// dataset cannot be opened: its extraction then says why).
ImageSize firstImageSize(const std::string& path, const DatasetOptions& options)
{
    constexpr std::size_t kTries = 16;
    if (path.empty())
        return {};
    try {
        const std::unique_ptr<Dataset> data = openDataset(path, options);
        for (std::size_t i = 0; i < data->size() && i < kTries; ++i) {
            try {
                const ImageU8 image = data->image(i);
                if (image.height > 0 && image.width > 0)
                    return {image.height, image.width};
            } catch (const Error&) {
                // an unreadable item: try the next
            }
        }
    } catch (const Error&) {
    }
    return {};
}

// What the model side of a run depends on: when these match, the loaded model and the extracted
// features stay valid.
bool sameModelSide(const RunConfig& a, const RunConfig& b)
{
    return a.modelPath == b.modelPath && a.device == b.device && a.batchSize == b.batchSize && a.cacheDir == b.cacheDir &&
           a.preprocess.describe() == b.preprocess.describe() && a.maxPixels == b.maxPixels;
}

DatasetOptions datasetOptions(const RunConfig& c)
{
    DatasetOptions o;
    o.maxPixels = c.maxPixels;
    return o;
}

// Labels the model cannot predict: an ID or fit set labelled for another model, or a CSV typo.
std::string labelsOutsideModel(const FeatureSet& set, int classes, const std::string& name)
{
    std::size_t outside = 0, first = 0;
    for (std::size_t r = 0; r < set.rows; ++r)
        if (set.labels[r] >= classes && outside++ == 0)
            first = r;
    if (outside == 0)
        return {};
    return "dataset '" + name + "': " + std::to_string(outside) + " of " + std::to_string(set.rows) +
           " images have labels outside the model's " + std::to_string(classes) + " classes (0 to " +
           std::to_string(classes - 1) + "), first '" + set.paths[first] + "' with label " +
           std::to_string(set.labels[first]) + "; they count as misclassified";
}

// One extracted (or failed) dataset.
struct Extracted {
    DatasetSpec spec;
    DatasetSummary summary;
    std::shared_ptr<const FeatureSet> features = std::make_shared<FeatureSet>();
    // Wall time of the model's forward calls when the extraction ran the model; NaN when the
    // features came from the cache.
    double forwardSeconds = ScoringCosts::kNaN;
};

// The first `count` items of a dataset: what a timing probe runs the model on.
class FirstItems final : public Dataset {
public:
    FirstItems(const Dataset& data, std::size_t count) : data_(data), count_(std::min(count, data.size())) {}
    std::string kind() const override { return data_.kind(); }
    std::string source() const override { return data_.source(); }
    std::size_t size() const override { return count_; }
    ImageU8 image(std::size_t i) const override { return data_.image(i); }
    int label(std::size_t i) const override { return data_.label(i); }
    std::string itemPath(std::size_t i) const override { return data_.itemPath(i); }
    std::string fingerprint() const override { return data_.fingerprint() + "#first" + std::to_string(count_); }

private:
    const Dataset& data_;
    std::size_t count_;
};

// A timing probe that ran the model (seconds per image, or NaN and why), kept while the model side
// and `key` (the ID set and the probe's size) stay the same, so that rescoring never reruns it.
struct ModelProbe {
    std::string key;
    double perImage = ScoringCosts::kNaN;
    std::size_t images = 0;
    std::string note;
};

double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

struct Pipeline::State {
    RunConfig config;
    std::unique_ptr<Classifier> model;
    ModelClassNames modelClasses;   // read when the model is loaded
    PreprocessSpec preprocess;      // resolved.spec
    ResolvedPreprocess resolved;
    std::string sizeFromId;         // the ID set whose image size was taken (SizeGuess::IdImages)
    std::vector<Extracted> datasets;
    // Fitted statistics by (method, parameters); dropped when the fit set changes.
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<const FittedScorer>> fitted;
    // Scores of methods that need the images, by cache key.
    std::map<std::string, std::vector<double>> imageScores;
    // Cost probes that ran the model (RunResult::costs); dropped with the model.
    ModelProbe forwardProbe, fullBackwardProbe;
};

namespace {

// Whether a dataset of this role is scored for the metrics table (the ID and test OOD sets); fit
// and validation sets are read by fits and sweeps only.
bool isScored(DatasetRole role)
{
    return role == DatasetRole::Id || role == DatasetRole::Ood;
}

bool isValidation(DatasetRole role)
{
    return role == DatasetRole::ValidationId || role == DatasetRole::ValidationOod;
}

// The engine's ProgressSink for one piece of a run: stamps the stage, dataset and method on what
// the engine reports, and collects its warnings.
class Stamp final : public ProgressSink {
public:
    Stamp(RunObserver* observer, std::vector<RunWarning>& warnings, RunStage stage, int dataset, std::string method = {})
        : observer_(observer), warnings_(warnings), stage_(stage), dataset_(dataset), method_(std::move(method))
    {
    }
    void update(const std::string& label, std::size_t done, std::size_t total) override
    {
        if (observer_)
            observer_->progress({stage_, dataset_, method_, done, total, label});
    }
    void warning(const std::string& message) override
    {
        RunWarning w{dataset_, method_, message};
        warnings_.push_back(w);
        if (observer_)
            observer_->warning(w);
    }
    bool isCancelRequested() const override { return observer_ && observer_->isCancelRequested(); }

private:
    RunObserver* observer_;
    std::vector<RunWarning>& warnings_;
    RunStage stage_;
    int dataset_;
    std::string method_;
};

class Run {
public:
    Run(Pipeline::State& s, RunObserver* observer, std::chrono::steady_clock::time_point start)
        : s_(s), observer_(observer), start_(start)
    {
    }

    std::vector<RunWarning> warnings;

    // Extracts dataset i (shard `shard` of it alone when given: `oodlens-cli extract --shard`).
    void extract(std::size_t i, const Shard* shard = nullptr)
    {
        Extracted& e = s_.datasets[i];
        Stamp sink(observer_, warnings, RunStage::Extract, static_cast<int>(i));
        if (e.spec.role == DatasetRole::Fit) {
            std::lock_guard<std::mutex> lock(s_.mutex);
            s_.fitted.clear(); // statistics of the previous fit set no longer apply
        }
        DatasetSummary& d = e.summary;
        d = DatasetSummary{};
        e.forwardSeconds = ScoringCosts::kNaN;
        d.name = datasetLabel(e.spec);
        d.path = e.spec.path;
        d.role = e.spec.role;
        try {
            if (isFeaturesPath(e.spec.path)) {
                readFeatures(e, sink, shard);
                finishExtraction(e, sink);
                return;
            }
            std::unique_ptr<Dataset> data = openDataset(e.spec.path, datasetOptions(s_.config));
            d.kind = data->kind();
            d.items = data->size();
            d.classNames = data->classNames();
            if (const std::string w = data->classNamesWarning(); !w.empty())
                sink.warning(w);
            for (const std::string& w : data->warnings())
                sink.warning(w);
            d.fingerprint = data->fingerprint();
            ExtractionOptions options;
            options.batchSize = s_.config.batchSize;
            const CacheOptions cache{s_.config.cacheDir, s_.config.device};
            const std::string description =
                e.spec.path + " | " + s_.model->info().path + " | " + s_.preprocess.describe();
            CachedFeatures got =
                shard ? extractShard(*s_.model, *data, d.fingerprint, s_.preprocess, cache, options, &sink, description, *shard)
                      : extractCached(*s_.model, *data, d.fingerprint, s_.preprocess, cache, options, &sink, description);
            e.features = std::make_shared<const FeatureSet>(std::move(got.set));
            d.shards = std::move(got.shards);
            if (got.fromCache) {
                d.fromCache = true;
                sink.update("read " + d.name + " from the feature cache" +
                                (d.shards.size() > 1 ? " (" + std::to_string(d.shards.size()) + " shards)" : ""),
                            d.items, d.items);
                for (const std::string& skipped : e.features->skipped)
                    sink.warning("skipped " + skipped);
            } else {
                e.forwardSeconds = got.forwardSeconds;
            }
            finishExtraction(e, sink);
        } catch (const Error& err) {
            e.features = std::make_shared<const FeatureSet>();
            d.rows = d.skipped = 0;
            d.error = err.what();
            sink.warning(e.spec.name + ": " + d.error);
        }
    }

    // A "features" dataset (features/FeaturesFile.h): its rows are the features, no model runs.
    void readFeatures(Extracted& e, Stamp& sink, const Shard* shard)
    {
        DatasetSummary& d = e.summary;
        if (shard)
            throw Error("'" + e.spec.path + "' holds features already: there is nothing to extract in shards");
        sink.update("reading " + d.name, 0, 0);
        FeaturesFile file = readFeaturesFile(e.spec.path);
        const Head& head = s_.model->head();
        if (file.set.dim != head.dim || file.set.classes != head.classes)
            throw Error("features file '" + e.spec.path + "' has " + std::to_string(file.set.dim) + " features and " +
                        std::to_string(file.set.classes) + " logits per row, but the model '" + s_.model->info().path +
                        "' has " + std::to_string(head.dim) + " and " + std::to_string(head.classes));
        if (file.head && s_.model->hasNetwork() && headMismatch(file.set, *file.head) < 1e-4 &&
            headMismatch(file.set, head) > 1e-3)
            sink.warning("features file '" + e.spec.path + "': its head_weight / head_bias are not the model's last "
                         "layer; scores use the model's (--model), whose head does not reproduce the file's logits");
        if (const double m = headMismatch(file.set, head); m > 1e-3)
            sink.warning("features file '" + e.spec.path + "': the head reproduces its logits only to " +
                         std::to_string(m) + " (relative, first rows); gradient scores assume logits = head(features)");
        d.kind = kFeaturesKind;
        d.classNames = file.labelNames;
        d.items = file.set.rows;
        d.fingerprint = file.fingerprint;
        e.features = std::make_shared<const FeatureSet>(std::move(file.set));
        sink.update("read " + d.name + " (" + std::to_string(d.items) + " feature rows)", d.items, d.items);
    }

    // What every extracted set's summary records, however its rows came: counts, and labels the
    // model cannot predict.
    void finishExtraction(Extracted& e, Stamp& sink)
    {
        DatasetSummary& d = e.summary;
        d.rows = e.features->rows;
        d.skipped = e.features->skipped.size();
        if (e.spec.role == DatasetRole::Id || e.spec.role == DatasetRole::Fit || e.spec.role == DatasetRole::ValidationId)
            if (const std::string w = labelsOutsideModel(*e.features, s_.model->info().classes, d.name); !w.empty())
                sink.warning(w);
    }

    int indexOf(DatasetRole role) const
    {
        for (std::size_t i = 0; i < s_.datasets.size(); ++i)
            if (s_.datasets[i].spec.role == role)
                return static_cast<int>(i);
        return -1;
    }

    std::shared_ptr<const FittedScorer> fitted(const MethodInfo& m)
    {
        const ParamValues p = s_.config.params.resolve(m);
        const std::string key = m.id + "|" + p.key();
        std::lock_guard<std::mutex> lock(s_.mutex);
        if (auto it = s_.fitted.find(key); it != s_.fitted.end()) {
            warnFit(m, key, *it->second); // a fit kept from an earlier run still deserves its warning
            return it->second;
        }
        const FeatureSet* fit = fitSetOf(m);
        Stamp sink(observer_, warnings, RunStage::Fit, indexOf(DatasetRole::Fit), m.id);
        sink.update("fitting " + m.label, 0, 0);
        std::shared_ptr<const FittedScorer> scorer = fitScorer(m.id, fit, s_.model->head(), s_.config.params, &sink);
        s_.fitted[key] = scorer;
        warnFit(m, key, *scorer);
        return scorer;
    }

    // The fit set a fitted method reads (null for one that needs none); throws Error naming what is missing.
    const FeatureSet* fitSetOf(const MethodInfo& m) const
    {
        if (!m.has(NeedsFitSet))
            return nullptr;
        const int f = indexOf(DatasetRole::Fit);
        if (f < 0)
            throw Error(m.id + " needs a fit set (an ID training set: --fit DATASET)");
        if (!s_.datasets[f].summary.ok())
            throw Error(m.id + ": the fit set could not be used: " + s_.datasets[f].summary.error);
        return s_.datasets[f].features.get();
    }

    // One sweep (sweep/Sweep.h) on the kept features: every grid value is scored from them (a fitted
    // method is refitted per value, one fit held at a time, and nothing of it is kept; a method that
    // needs the images runs the model on the validation sets, then on the test sets at the chosen value).
    SweepResult sweep(const SweepRequest& request)
    {
        const MethodInfo& m = requireMethod(request.method);
        const SweepSettings& settings = s_.config.sweepSettings;
        Stamp sink(observer_, warnings, RunStage::Sweep, -1, m.id);
        sink.update("sweeping " + request.text() + " on the validation pair", 0, 0);
        SweepInputs in;
        const int id = indexOf(DatasetRole::Id);
        in.idDataset = static_cast<std::size_t>(id);
        in.idName = s_.datasets[id].summary.name;
        in.idRows = s_.datasets[id].features->rows;
        const int vid = indexOf(DatasetRole::ValidationId);
        if (vid >= 0) {
            if (!s_.datasets[vid].summary.ok())
                throw Error("the validation ID set '" + s_.datasets[vid].summary.name +
                            "' could not be used: " + s_.datasets[vid].summary.error);
            in.validationIdDataset = vid;
            in.validationIdName = s_.datasets[vid].summary.name;
        } else {
            in.idValidationRows = validationMask(in.idRows, in.idDataset, settings.idFraction, settings.seed);
        }
        for (std::size_t i = 0; i < s_.datasets.size(); ++i) {
            const Extracted& e = s_.datasets[i];
            if (!e.summary.ok())
                continue;
            if (e.spec.role == DatasetRole::ValidationOod)
                in.validationOods.emplace_back(i, e.summary.name);
            else if (e.spec.role == DatasetRole::Ood)
                in.testOods.emplace_back(i, e.spec.name);
        }
        if (in.validationOods.empty()) { // checkConfig saw one: none could be read
            std::string why;
            for (const Extracted& e : s_.datasets)
                if (e.spec.role == DatasetRole::ValidationOod)
                    why += (why.empty() ? "" : "; ") + e.summary.name + ": " + e.summary.error;
            throw Error("--sweep " + request.text() + ": no validation OOD set could be read (" + why + ")");
        }
        in.testEveryValue = !m.has(NeedsImages);
        std::string fitKey;
        std::shared_ptr<const FittedScorer> fit;
        in.scores = [&](const ScoreParams& params, std::size_t i) -> std::vector<double> {
            const FeatureSet& set = *s_.datasets[i].features;
            if (m.images) {
                const ParamValues v = params.resolve(m);
                std::vector<double> scores = unorientedImageScores(m, i, v.without(kFlipParam));
                applyOrientation(v, scores);
                return scores;
            }
            if (m.fit) {
                const std::string key = params.resolve(m).key();
                if (!fit || key != fitKey) {
                    fit.reset(); // one fit at a time: a bank per value would not fit in memory at scale
                    fit = fitScorer(m.id, fitSetOf(m), s_.model->head(), params, &sink);
                    fitKey = key;
                }
                return fit->score(set, &sink);
            }
            return computeScores(m.id, set, s_.model->head(), params, &sink);
        };
        return runSweep(request, settings, s_.config.params, in, &sink);
    }

    // fitWarning's warning, once per fit in a run.
    void warnFit(const MethodInfo& m, const std::string& key, const FittedScorer& scorer)
    {
        if (!fitWarned_.insert(key).second)
            return;
        if (const std::string w = fitWarning(m, fitRows(), fitDim(), scorer.note()); !w.empty())
            Stamp(observer_, warnings, RunStage::Fit, indexOf(DatasetRole::Fit), m.id).warning(w);
    }

    // The fit set's rows and feature dimension (0 without a usable fit set).
    std::size_t fitRows() const
    {
        const int f = indexOf(DatasetRole::Fit);
        return f >= 0 && s_.datasets[f].summary.ok() ? s_.datasets[f].features->rows : 0;
    }
    int fitDim() const
    {
        const int f = indexOf(DatasetRole::Fit);
        return f >= 0 && s_.datasets[f].summary.ok() ? static_cast<int>(s_.datasets[f].features->dim) : 0;
    }

    // Scores of a method that needs the images: its own pass over dataset i, kept in memory and in
    // the feature cache like features.
    // The scores are memoised in the method's own orientation; flip is applied on the way out, so
    // that flipping never runs the model again.
    std::vector<double> imageScores(const MethodInfo& m, std::size_t i)
    {
        const ParamValues resolved = s_.config.params.resolve(m);
        std::vector<double> scores = unorientedImageScores(m, i, resolved.without(kFlipParam));
        applyOrientation(resolved, scores);
        return scores;
    }

    std::vector<double> unorientedImageScores(const MethodInfo& m, std::size_t i, const ParamValues& p)
    {
        const Extracted& e = s_.datasets[i];
        const std::string key = FeatureCache::key(s_.model->info().sha256, e.summary.fingerprint,
                                                  s_.preprocess.describe() + ";device=" + s_.config.device + ";" + m.id +
                                                      ";" + p.key());
        {
            std::lock_guard<std::mutex> lock(s_.mutex);
            if (auto it = s_.imageScores.find(key); it != s_.imageScores.end())
                return it->second;
        }
        Stamp sink(observer_, warnings, RunStage::Images, static_cast<int>(i), m.id);
        const FeatureCache cache(s_.config.cacheDir);
        std::vector<double> scores;
        const FeatureCache::Expected oneColumn{1, 0, 0}; // one score per row
        if (auto cached = cache.load(key, nullptr, &oneColumn); cached && cached->rows == e.features->rows) {
            scores.assign(cached->features.begin(), cached->features.end());
        } else {
            std::unique_ptr<Dataset> data = openDataset(e.spec.path, datasetOptions(s_.config));
            ExtractionOptions options;
            options.batchSize = s_.config.batchSize;
            forEachBatch(*data, s_.preprocess, options, &sink, m.label + " on " + e.summary.name,
                         [&](const float* input, const std::vector<std::size_t>& items, const std::vector<std::string>&,
                             int c, int h, int w) {
                             if (items.empty())
                                 return;
                             const ImageBatch batch{input, static_cast<int>(items.size()), c, h, w, &s_.preprocess};
                             const auto s = m.images(*s_.model, batch, p);
                             scores.insert(scores.end(), s.begin(), s.end());
                         });
            if (scores.size() != e.features->rows)
                throw Error(m.id + ": '" + e.spec.path + "' changed since its features were extracted");
            FeatureSet stored; // one column: the scores (as float, like every cached feature)
            stored.rows = scores.size();
            stored.dim = 1;
            stored.features.assign(scores.begin(), scores.end());
            stored.labels.assign(stored.rows, -1);
            stored.index.assign(stored.rows, 0);
            stored.paths.assign(stored.rows, std::string());
            try {
                cache.store(key, stored, m.id + " scores of " + e.spec.path);
            } catch (const Error& err) {
                sink.warning(err.what());
            }
            scores.assign(stored.features.begin(), stored.features.end()); // same precision cached or not
        }
        std::lock_guard<std::mutex> lock(s_.mutex);
        s_.imageScores[key] = scores;
        return scores;
    }

    ScoreTable scoreTable(const std::vector<std::string>& methods)
    {
        ScoreTable table;
        std::set<std::string> failed;
        std::vector<std::string> fromFeatures, autograd;
        for (const std::string& id : methods) {
            table[id].resize(s_.datasets.size());
            const MethodInfo& m = requireMethod(id);
            if (!m.fit && !m.images)
                (m.has(NeedsAutograd) ? autograd : fromFeatures).push_back(id);
        }
        const int idSet = indexOf(DatasetRole::Id);
        for (std::size_t i = 0; i < s_.datasets.size(); ++i) {
            const Extracted& e = s_.datasets[i];
            if (!isScored(e.spec.role) || !e.summary.ok())
                continue;
            Stamp sink(observer_, warnings, RunStage::Score, static_cast<int>(i));
            sink.update("scoring " + e.summary.name, 0, 0);
            auto perMethod = computeScoreSet(fromFeatures, *e.features, s_.model->head(), s_.config.params, &sink);
            for (auto& [id, v] : perMethod)
                table[id][i] = std::move(v);
            // Autograd variants one by one: their time on the ID set is the cost table's figure.
            for (const std::string& id : autograd) {
                const auto begin = std::chrono::steady_clock::now();
                table[id][i] = computeScores(id, *e.features, s_.model->head(), s_.config.params, &sink);
                if (static_cast<int>(i) == idSet && e.features->rows > 0)
                    autogradTimes_[id] = secondsSince(begin) / static_cast<double>(e.features->rows);
            }
            for (const std::string& id : methods) {
                const MethodInfo& m = requireMethod(id);
                if (m.images)
                    table[id][i] = imageScores(m, i);
                else if (m.fit && !failed.count(id)) {
                    Stamp methodSink(observer_, warnings, RunStage::Score, static_cast<int>(i), id);
                    // A fit that cannot be made (k larger than a small fit set's bank, say) costs
                    // that method only: it is named, and every other method is still scored.
                    try {
                        table[id][i] = fitted(m)->score(*e.features, &methodSink);
                    } catch (const Error& err) {
                        failed.insert(id);
                        failures_.push_back(err.what());
                        // "knn: not scored: k = 6000 ...", not "knn: not scored: knn: k = ...".
                        std::string why = err.what();
                        if (why.rfind(id + ": ", 0) == 0)
                            why.erase(0, id.size() + 2);
                        methodSink.warning(id + ": not scored: " + why);
                    }
                }
            }
        }
        for (const std::string& id : failed)
            table.erase(id);
        return table;
    }

    std::vector<MetricsRow> metricsTable(const std::vector<std::string>& methods, const ScoreTable& table,
                                         const std::vector<std::size_t>& oods, int bootstrap)
    {
        std::vector<std::pair<std::size_t, std::string>> named;
        for (std::size_t o : oods)
            named.emplace_back(o, s_.datasets[o].spec.name);
        const std::size_t id = static_cast<std::size_t>(indexOf(DatasetRole::Id));
        const Correctness correct = correctness(*s_.datasets[id].features);
        std::vector<MetricsRow> rows =
            metricsRows(methods, table, id, named, bootstrap, s_.config.seed, &cancelPoll_,
                        [this](std::size_t dataset, const std::string& method, const std::string& message) {
                            Stamp(observer_, warnings, RunStage::Metrics, static_cast<int>(dataset), method)
                                .warning(message);
                        },
                        &correct);
        for (MetricsRow& row : rows) {
            row.label = methodLabel(row.method, s_.config.params);
            row.flipped = isFlipped(row.method, s_.config.params);
        }
        return rows;
    }

    std::shared_ptr<RunResult> shell(std::vector<std::size_t> oods) const
    {
        auto r = std::make_shared<RunResult>();
        r->config = s_.config;
        r->idIndex = indexOf(DatasetRole::Id);
        r->oodIndices = std::move(oods);
        for (const Extracted& e : s_.datasets) {
            r->datasets.push_back(e.summary);
            r->features.push_back(e.features);
        }
        r->head = s_.model->head();
        r->model = s_.model->info();
        resolveClassNames(*r);
        r->preprocess = s_.preprocess;
        r->preprocessOrigin = s_.resolved;
        r->params = s_.config.params;
        return r;
    }

    // RunResult::classNames by its precedence rule: the model's list, else the ID set's names when
    // there is one per model class.
    void resolveClassNames(RunResult& r) const
    {
        if (!s_.modelClasses.names.empty()) {
            r.classNames = s_.modelClasses.names;
            r.classNamesSource = s_.modelClasses.source;
            return;
        }
        const int id = indexOf(DatasetRole::Id);
        if (id < 0 || !s_.datasets[id].summary.ok())
            return;
        const std::vector<std::string>& names = s_.datasets[id].summary.classNames;
        if (!names.empty() && names.size() == static_cast<std::size_t>(r.model.classes)) {
            r.classNames = names;
            r.classNamesSource = "ID set " + s_.datasets[id].summary.name;
        }
    }

    // Warnings about names once the ID set is read: the model's list could not be used, or the
    // ID set names its labels differently from the model's classes (labels are still compared by
    // number, which is what a mismatch in order would make wrong).
    void warnAboutClassNames()
    {
        Stamp sink(observer_, warnings, RunStage::LoadModel, -1);
        if (!s_.modelClasses.warning.empty())
            sink.warning(s_.modelClasses.warning);
        const int id = indexOf(DatasetRole::Id);
        if (id < 0 || s_.modelClasses.names.empty())
            return;
        const std::vector<std::string>& own = s_.datasets[id].summary.classNames;
        const std::vector<std::string>& model = s_.modelClasses.names;
        for (std::size_t k = 0; k < own.size() && k < model.size(); ++k)
            if (!own[k].empty() && own[k] != model[k]) {
                Stamp(observer_, warnings, RunStage::Extract, id)
                    .warning("the ID set '" + s_.datasets[id].summary.name + "' calls label " + std::to_string(k) +
                             " '" + own[k] + "' but the model's class " + std::to_string(k) + " is '" + model[k] +
                             "' (" + s_.modelClasses.source + "); labels are compared with predictions by number");
                return;
            }
    }

    // A model with a single class: its softmax is 1 for every image.
    void warnAboutTheModel()
    {
        if (s_.model->info().classes == 1)
            Stamp(observer_, warnings, RunStage::LoadModel, -1)
                .warning("model '" + s_.model->info().path +
                         "' has a single output class: its softmax is 1 for every image, so every score built on "
                         "it (MSP, GradNorm, Gini, ...) is the same for every image");
    }

    // A score that is the same for every image of the ID and OOD sets tells them apart no better
    // than chance, whatever its AUROC row says: said once per method.
    void warnAboutConstantScores(const std::vector<std::string>& methods, const RunResult& r)
    {
        std::vector<std::size_t> sets = r.oodIndices;
        if (r.idIndex >= 0)
            sets.push_back(static_cast<std::size_t>(r.idIndex));
        for (const std::string& id : methods) {
            const auto it = r.scores.find(id);
            if (it == r.scores.end())
                continue;
            std::size_t finite = 0;
            double first = 0;
            bool constant = true;
            for (std::size_t d : sets)
                for (double v : it->second[d]) {
                    if (!std::isfinite(v))
                        continue;
                    if (finite++ == 0)
                        first = v;
                    else if (v != first)
                        constant = false;
                }
            if (!constant || finite < 2)
                continue;
            std::ostringstream value;
            value << first;
            Stamp(observer_, warnings, RunStage::Metrics, -1, id)
                .warning(methodLabel(id, s_.config.params) + " gives every image the same score (" + value.str() +
                         "): it cannot tell ID from OOD images" +
                         (s_.model->info().classes == 1 ? " (the model has a single class)" : ""));
        }
    }

    std::vector<std::size_t> usableOods() const
    {
        std::vector<std::size_t> out;
        for (std::size_t i = 0; i < s_.datasets.size(); ++i)
            if (s_.datasets[i].spec.role == DatasetRole::Ood && s_.datasets[i].summary.ok())
                out.push_back(i);
        return out;
    }

    bool idReady() const
    {
        const int id = indexOf(DatasetRole::Id);
        return id >= 0 && s_.datasets[id].summary.ok();
    }

    RunResultPtr result(const std::vector<std::string>& methods, bool partial, std::vector<SweepResult> sweeps = {})
    {
        auto r = shell(usableOods());
        r->partial = partial;
        r->sweeps = std::move(sweeps);
        r->scores = scoreTable(methods);
        for (const std::string& id : methods)
            if (r->scores.count(id))
                r->methods.push_back(id);
        // Nothing left to show: the run fails with the reason, as a single bad method always did.
        if (r->methods.empty() && !failures_.empty())
            throw Error(failures_.front());
        throwIfCancelled(&cancelPoll_);
        if (!partial && s_.config.bootstrap > 0 && observer_)
            observer_->progress({RunStage::Metrics, -1, {}, 0, 0, "bootstrap intervals"});
        r->metrics = metricsTable(r->methods, r->scores, r->oodIndices, partial ? 0 : s_.config.bootstrap);
        if (!partial)
            warnAboutConstantScores(r->methods, *r);
        if (!partial)
            r->costs = costs(r->methods);
        if (!partial)
            for (const std::string& id : r->methods)
                if (const MethodInfo& m = requireMethod(id); m.fit) {
                    try {
                        r->fitNotes[id] = fitted(m)->note(); // fitted above: memoised
                    } catch (const Error&) {
                    }
                }
        r->warnings = warnings;
        r->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        return r;
    }

    // What scoring costs per image (RunResult::costs), for a final result that scores a gradient method.
    ScoringCosts costs(const std::vector<std::string>& scored)
    {
        ScoringCosts c;
        c.device = s_.model->info().device;
        const auto isScored = [&](const std::string& id) {
            return std::find(scored.begin(), scored.end(), id) != scored.end();
        };
        // The gradient closed forms this run scores, itself or through its autograd variant.
        std::vector<const MethodInfo*> closedForms;
        std::map<std::string, const MethodInfo*> variantOf;
        for (const MethodInfo& m : methodRegistry())
            if (m.group == MethodGroup::Gradient && !m.closedForm.empty())
                variantOf[m.closedForm] = &m;
        for (const MethodInfo& m : methodRegistry())
            if (m.group == MethodGroup::Gradient && m.factors && m.closedForm.empty() &&
                (isScored(m.id) || (variantOf.count(m.id) && isScored(variantOf[m.id]->id))))
                closedForms.push_back(&m);
        const int probe = s_.config.costProbeImages;
        if (closedForms.empty() || probe <= 0) {
            c.note = closedForms.empty() ? "not measured: the run scores no gradient method"
                                         : "not measured: the cost probe is off (--cost-probe 0)";
            return c;
        }
        const int id = indexOf(DatasetRole::Id);
        const Extracted& e = s_.datasets[static_cast<std::size_t>(id)];
        const FeatureSet& features = *e.features;
        Stamp sink(observer_, warnings, RunStage::Cost, id);
        std::vector<std::string> notes;

        // The closed forms over the whole ID features, repeated until 50 ms have passed.
        for (const MethodInfo* m : closedForms) {
            sink.update("timing " + m->label + " (closed form)", 0, 0);
            std::size_t repeats = 0;
            const auto begin = std::chrono::steady_clock::now();
            do {
                throwIfCancelled(&sink);
                computeScores(m->id, features, s_.model->head(), s_.config.params);
                ++repeats;
            } while (secondsSince(begin) < 0.05);
            c.closedForm[m->id] = secondsSince(begin) / static_cast<double>(repeats * features.rows);
            c.closedFormImages = features.rows;
        }
        notes.push_back("closed form: the " + std::to_string(features.rows) + " ID feature rows, repeated for 50 ms");

        // The autograd variants: their time scoring the whole ID set in this run, else a probe on
        // up to 16 x probe rows of the ID features (the first `probe` rows alone when they take a second).
        const std::size_t autogradRows = std::min<std::size_t>(features.rows, 16 * static_cast<std::size_t>(probe));
        for (const MethodInfo* m : closedForms) {
            const auto v = variantOf.find(m->id);
            if (v == variantOf.end())
                continue;
            const MethodInfo& a = *v->second;
            if (const auto t = autogradTimes_.find(a.id); t != autogradTimes_.end()) {
                c.autograd[m->id] = t->second;
                c.autogradImages = c.autogradImages ? std::min(c.autogradImages, features.rows) : features.rows;
                notes.push_back(a.id + ": timed while scoring the " + std::to_string(features.rows) + " ID images");
                continue;
            }
            sink.update("timing " + a.label, 0, 0);
            const std::size_t first = std::min<std::size_t>(autogradRows, static_cast<std::size_t>(probe));
            double seconds = 0;
            std::size_t rows = 0;
            for (const auto& [from, to] : {std::pair<std::size_t, std::size_t>{0, first}, {first, autogradRows}}) {
                if (to <= from || (rows > 0 && seconds >= 1.0))
                    continue;
                const FeatureSet part = featureRows(features, from, to);
                const auto begin = std::chrono::steady_clock::now();
                computeScores(a.id, part, s_.model->head(), s_.config.params, &sink);
                seconds += secondsSince(begin);
                rows += to - from;
            }
            c.autograd[m->id] = seconds / static_cast<double>(rows);
            c.autogradImages = c.autogradImages ? std::min(c.autogradImages, rows) : rows;
            notes.push_back(a.id + ": a probe on " + std::to_string(rows) + " ID feature rows");
        }

        // The forward pass: the ID set's extraction when it ran the model, else a probe.
        if (!s_.model->hasNetwork() || e.summary.kind == kFeaturesKind) {
            notes.push_back("forward and full backward: not measured, the ID set holds features, not images");
        } else if (std::isfinite(e.forwardSeconds) && features.rows > 0) {
            c.forward = e.forwardSeconds / static_cast<double>(features.rows);
            c.forwardImages = features.rows;
            notes.push_back("forward: the extraction of the " + std::to_string(features.rows) + " ID images at batch " +
                            std::to_string(s_.config.batchSize));
        } else {
            const ModelProbe& f = forwardProbe(e, sink);
            c.forward = f.perImage;
            c.forwardImages = f.images;
            notes.push_back(f.note);
        }
        if (s_.model->hasNetwork() && e.summary.kind != kFeaturesKind) {
            const ModelProbe& b = fullBackwardProbe(e, static_cast<std::size_t>(probe), sink);
            c.fullBackward = b.perImage;
            c.fullBackwardImages = b.images;
            notes.push_back(b.note);
        }
        for (const std::string& n : notes)
            c.note += (c.note.empty() ? "" : "; ") + n;
        return c;
    }

private:
    // Rows [from, to) of a feature set (features and logits: what scores read).
    static FeatureSet featureRows(const FeatureSet& set, std::size_t from, std::size_t to)
    {
        FeatureSet part;
        part.rows = to - from;
        part.dim = set.dim;
        part.classes = set.classes;
        part.features.assign(set.features.begin() + static_cast<std::ptrdiff_t>(from * set.dim),
                             set.features.begin() + static_cast<std::ptrdiff_t>(to * set.dim));
        part.logits.assign(set.logits.begin() + static_cast<std::ptrdiff_t>(from * set.classes),
                           set.logits.begin() + static_cast<std::ptrdiff_t>(to * set.classes));
        part.labels.assign(part.rows, -1);
        part.index.assign(part.rows, 0);
        part.paths.assign(part.rows, std::string());
        return part;
    }

    // The forward pass timed on the first three batches of the ID set (the first, which warms the
    // model up, not counted when there are more); kept for the model side.
    const ModelProbe& forwardProbe(const Extracted& e, Stamp& sink)
    {
        const std::size_t batch = static_cast<std::size_t>(s_.config.batchSize);
        ModelProbe& p = s_.forwardProbe;
        const std::string key = e.spec.path + "|" + std::to_string(batch);
        if (p.key == key)
            return p;
        p = ModelProbe{};
        std::vector<double> seconds;
        std::vector<std::size_t> images;
        try {
            const std::unique_ptr<Dataset> data = openDataset(e.spec.path, datasetOptions(s_.config));
            const FirstItems first(*data, 3 * batch);
            ExtractionOptions options;
            options.batchSize = s_.config.batchSize;
            std::vector<float> logits, features;
            forEachBatch(first, s_.preprocess, options, &sink, "timing the forward pass on " + e.summary.name,
                         [&](const float* input, const std::vector<std::size_t>& items, const std::vector<std::string>&,
                             int c, int h, int w) {
                             if (items.empty())
                                 return;
                             logits.clear();
                             features.clear();
                             const auto begin = std::chrono::steady_clock::now();
                             s_.model->forward(input, static_cast<int>(items.size()), c, h, w, logits, features);
                             seconds.push_back(secondsSince(begin));
                             images.push_back(items.size());
                         });
        } catch (const Error& err) {
            p.note = std::string("forward not measured: ") + err.what();
        }
        if (!seconds.empty()) {
            const std::size_t skip = seconds.size() > 1 ? 1 : 0;
            double total = 0;
            for (std::size_t k = skip; k < seconds.size(); ++k) {
                total += seconds[k];
                p.images += images[k];
            }
            p.perImage = total / static_cast<double>(p.images);
            p.note = "forward: a probe on " + std::to_string(p.images) + " ID images at batch " +
                     std::to_string(batch) + " (the features came from the cache" +
                     (skip ? "; after one warm-up batch)" : ")");
        } else if (p.note.empty()) {
            p.note = "forward not measured: no ID image could be read";
        }
        p.key = key;
        return p;
    }

    // The official-style GradNorm (full-network backward at batch 1) timed on the first `count`
    // images of the ID set, after two untimed warm-up passes on the first; kept for the model side.
    const ModelProbe& fullBackwardProbe(const Extracted& e, std::size_t count, Stamp& sink)
    {
        ModelProbe& p = s_.fullBackwardProbe;
        const MethodInfo* gradient = primaryGradientMethod();
        const double temperature = gradient ? s_.config.params.value(gradient->id, temperatureParam()) : 1.0;
        const std::string key = e.spec.path + "|" + std::to_string(count);
        if (p.key == key)
            return p;
        p = ModelProbe{};
        double seconds = 0;
        try {
            const std::unique_ptr<Dataset> data = openDataset(e.spec.path, datasetOptions(s_.config));
            const FirstItems first(*data, count);
            ExtractionOptions options;
            options.batchSize = static_cast<int>(std::min<std::size_t>(count, static_cast<std::size_t>(s_.config.batchSize)));
            const std::string stage = "timing the full-network backward on " + e.summary.name;
            bool warm = false;
            forEachBatch(first, s_.preprocess, options, &sink, stage,
                         [&](const float* input, const std::vector<std::size_t>& items, const std::vector<std::string>&,
                             int c, int h, int w) {
                             for (int k = 0; !warm && !items.empty() && k < 2; ++k)
                                 s_.model->fullBackwardGradNorms(input, 1, c, h, w, temperature);
                             warm = true;
                             const std::size_t block = static_cast<std::size_t>(c) * h * w;
                             for (std::size_t k = 0; k < items.size(); ++k) {
                                 throwIfCancelled(&sink);
                                 const auto begin = std::chrono::steady_clock::now();
                                 s_.model->fullBackwardGradNorms(input + k * block, 1, c, h, w, temperature);
                                 seconds += secondsSince(begin);
                                 ++p.images;
                                 sink.update(stage, p.images, first.size());
                             }
                         });
        } catch (const Error& err) {
            p.images = 0;
            p.note = std::string("full backward not measured: ") + err.what();
        }
        if (p.images > 0) {
            p.perImage = seconds / static_cast<double>(p.images);
            p.note = "full backward: a timing probe on " + std::to_string(p.images) +
                     " ID images at batch 1, after two warm-up passes";
        } else if (p.note.empty()) {
            p.note = "full backward not measured: no ID image could be read";
        }
        p.key = key;
        return p;
    }

    std::map<std::string, double> autogradTimes_; // autograd variant -> s/image scoring the ID set
    std::set<std::string> fitWarned_;
    std::vector<std::string> failures_; // why fitted methods could not be scored, in order
    // Cancellation polls outside any one piece of work.
    class Poll final : public ProgressSink {
    public:
        explicit Poll(RunObserver* o) : o_(o) {}
        bool isCancelRequested() const override { return o_ && o_->isCancelRequested(); }

    private:
        RunObserver* o_;
    };

    Pipeline::State& s_;
    RunObserver* observer_;
    std::chrono::steady_clock::time_point start_;
    Poll cancelPoll_{observer_};
};

} // namespace

std::vector<MetricsRow> metricsRows(const std::vector<std::string>& methods, const ScoreTable& table, std::size_t id,
                                    const std::vector<std::pair<std::size_t, std::string>>& oods, int bootstrap,
                                    unsigned long long seed, const ProgressSink* cancel,
                                    const std::function<void(std::size_t, const std::string&, const std::string&)>& warn,
                                    const Correctness* idCorrect)
{
    std::vector<MetricsRow> rows;
    for (const std::string& method : methods) {
        const auto it = table.find(method);
        if (it == table.end())
            continue;
        const bool classified = idCorrect && idCorrect->size() == it->second.at(id).size();
        const double methodAurc = classified ? aurc(it->second.at(id), *idCorrect) : BinaryMetrics::kUnset;
        for (const auto& [o, name] : oods) {
            throwIfCancelled(cancel);
            MetricsRow row;
            row.method = method;
            row.ood = name;
            const std::vector<double>& idScores = it->second.at(id);
            const std::vector<double>& oodScores = it->second.at(o);
            try {
                row.metrics = computeMetrics(idScores, oodScores);
                if (classified) {
                    double* ccr[] = {&row.metrics.ccr_1e4, &row.metrics.ccr_1e3, &row.metrics.ccr_1e2,
                                     &row.metrics.ccr_1e1};
                    for (std::size_t f = 0; f < ccrFprs().size(); ++f)
                        *ccr[f] = ccrAtFpr(idScores, *idCorrect, oodScores, ccrFprs()[f]);
                    row.metrics.aurc = methodAurc;
                }
                if (bootstrap > 0) {
                    row.intervals = bootstrapMetrics(idScores, oodScores, bootstrap, seed, cancel);
                    row.hasIntervals = true;
                }
            } catch (const Error& e) {
                row.metrics = BinaryMetrics::undefined();
                row.hasIntervals = false;
                row.note = e.what();
                if (warn)
                    warn(o, method, method + " on " + name + ": no metrics (" + row.note + ")");
            }
            rows.push_back(std::move(row));
        }
    }
    return rows;
}

namespace {

// The methods a config asks for: the list given, or every method that applies.
// The first dataset of `c` that is a features file, or null.
const DatasetSpec* featuresDataset(const RunConfig& c)
{
    for (const DatasetSpec& d : c.datasets)
        if (isFeaturesPath(d.path))
            return &d;
    return nullptr;
}

std::vector<std::string> methodsOf(const RunConfig& c)
{
    if (!c.methods.empty())
        return c.methods;
    bool haveFit = false;
    for (const DatasetSpec& d : c.datasets)
        haveFit = haveFit || d.role == DatasetRole::Fit;
    std::vector<std::string> methods = applicableMethods(haveFit);
    if (featuresDataset(c)) // no images to run a method that needs them on
        methods.erase(std::remove_if(methods.begin(), methods.end(),
                                     [](const std::string& id) { return requireMethod(id).has(NeedsImages); }),
                      methods.end());
    return methods;
}

void checkConfig(const RunConfig& c)
{
    if (!c.hasModelOrHead())
        throw Error("no model given");
    if (c.modelPath.empty()) // the ID file's head stands in for the model: it cannot run on images
        for (const DatasetSpec& d : c.datasets)
            if (!isFeaturesPath(d.path))
                throw Error("'" + d.path + "' holds images, and no model is given to run on them (the head of the ID "
                            "set of features cannot): give --model FILE, or that set's features (.npz)");
    if (const DatasetSpec* features = featuresDataset(c)) {
        for (const std::string& id : methodsOf(c))
            if (requireMethod(id).has(NeedsImages))
                throw Error("method '" + id + "' needs the images, and '" + features->path +
                            "' holds features only: leave " + id + " out of --methods");
        for (const SweepRequest& sweep : c.sweeps)
            if (requireMethod(sweep.method).has(NeedsImages))
                throw Error("--sweep " + sweep.text() + ": " + sweep.method + " needs the images, and '" +
                            features->path + "' holds features only");
    }
    int ids = 0;
    bool haveFit = false;
    for (const DatasetSpec& d : c.datasets) {
        ids += d.role == DatasetRole::Id;
        haveFit = haveFit || d.role == DatasetRole::Fit;
    }
    if (ids != 1)
        throw Error(ids == 0 ? "no ID test set given" : "more than one ID test set given");
    for (const std::string& id : c.methods)
        if (requireMethod(id).has(NeedsFitSet) && !haveFit)
            throw Error("method '" + id + "' needs a fit set (an ID training set: --fit DATASET)");
    for (const SweepRequest& sweep : c.sweeps) {
        if (requireMethod(sweep.method).has(NeedsFitSet) && !haveFit)
            throw Error("--sweep " + sweep.text() + ": " + sweep.method + " needs a fit set (an ID training set: --fit DATASET)");
        if (!c.hasRole(DatasetRole::ValidationOod))
            throw Error("--sweep " + sweep.text() + " needs a validation OOD set (--val-ood NAME=PATH): parameters are "
                        "chosen on a validation pair, never on the test OOD sets");
        if (sweep.sweptParams().empty())
            throw Error("--sweep " + sweep.text() + ": nothing to sweep");
    }
    if (!c.sweeps.empty() && !(c.sweepSettings.idFraction > 0 && c.sweepSettings.idFraction < 1))
        throw Error("the validation fraction of the ID set must lie in (0, 1)");
    validateParams(methodsOf(c), c.params);
    // The value rules of the command line and the session file, for configs built in code too.
    const ValueSource config{"run configuration"};
    validatePreprocess(c.preprocess, config);
    checkInt(c.batchSize, settings::kBatch, config, false);
    checkInt(c.threads, settings::kThreads, config);
    checkInt(c.bootstrap, settings::kBootstrap, config);
    checkInt(c.costProbeImages, settings::kCostProbe, config);
}

} // namespace

Pipeline::Pipeline() : state_(std::make_unique<State>()) {}
Pipeline::~Pipeline() = default;

void Pipeline::prepare(const RunConfig& config, RunObserver* observer)
{
    State& s = *state_;
    const int idIndex = config.idDataset();
    const std::string idPath = idIndex >= 0 ? config.datasets[static_cast<std::size_t>(idIndex)].path : std::string();
    const bool sizeGuessStale = s.resolved.sizeGuess == SizeGuess::IdImages && s.sizeFromId != idPath;
    // Without --model, the ID set's features file carries the head: another file, another "model".
    const bool headStale = config.modelPath.empty() && s.model && s.model->info().path != idPath;
    if (!s.model || !sameModelSide(s.config, config) || sizeGuessStale || headStale) {
        if (observer)
            observer->progress({RunStage::LoadModel, -1, {}, 0, 0, "loading the model"});
        // Nothing extracted for another model side applies.
        s.model.reset();
        s.datasets.clear();
        {
            std::lock_guard<std::mutex> lock(s.mutex);
            s.fitted.clear();
            s.imageScores.clear();
        }
        s.forwardProbe = ModelProbe{};
        s.fullBackwardProbe = ModelProbe{};
        if (config.modelPath.empty()) { // checkConfig: the ID set is a features file
            FeaturesHead head = readFeaturesHead(idPath);
            s.model = Classifier::fromHead(std::move(head.head), idPath);
            s.modelClasses = {};
            if (!head.classNames.empty())
                s.modelClasses = {std::move(head.classNames), idPath + " (class_names)", {}};
        } else {
            s.model = Classifier::load(config.modelPath, config.device, probeShapeOf(config.preprocess));
            s.modelClasses = findModelClassNames(config.modelPath, s.model->info().sidecarPath, s.model->info().classes);
        }
        // Features read from a file went through no preprocessing here: nothing is guessed.
        if (s.model->hasNetwork()) {
            s.resolved = resolvePreprocess(config.preprocess, s.model->info());
        } else {
            s.resolved = ResolvedPreprocess{};
            s.resolved.spec = config.preprocess;
        }
        s.sizeFromId.clear();
        if (s.resolved.sizeGuess == SizeGuess::Open && !isFeaturesPath(idPath)) {
            const ImageSize size = firstImageSize(idPath, datasetOptions(config));
            if (size.height > 0) {
                s.resolved = resolvePreprocess(config.preprocess, s.model->info(), size);
                s.sizeFromId = idPath;
            }
        }
        s.preprocess = s.resolved.spec;
        ++modelLoads_;
    }
    // Keep the datasets the config still has (by spec), in the config's order; new ones start empty.
    std::vector<Extracted> datasets;
    for (const DatasetSpec& spec : config.datasets) {
        Extracted e;
        e.spec = spec;
        e.summary.name = datasetLabel(spec);
        e.summary.path = spec.path;
        e.summary.role = spec.role;
        e.summary.error = "not extracted yet";
        for (Extracted& old : s.datasets)
            if (old.spec.sameData(spec) && old.summary.ok()) {
                e = old;
                e.spec = spec;
                break;
            }
        datasets.push_back(std::move(e));
    }
    bool fitChanged = false;
    for (const Extracted& old : s.datasets)
        if (old.spec.role == DatasetRole::Fit) {
            bool kept = false;
            for (const DatasetSpec& spec : config.datasets)
                kept = kept || spec.sameData(old.spec);
            fitChanged = fitChanged || !kept;
        }
    if (fitChanged) {
        std::lock_guard<std::mutex> lock(s.mutex);
        s.fitted.clear();
    }
    s.datasets = std::move(datasets);
    s.config = config;
}

RunResultPtr Pipeline::run(const RunConfig& config, RunObserver* observer)
{
    const auto start = std::chrono::steady_clock::now();
    checkConfig(config);
    const auto cancelled = [observer] { return observer && observer->isCancelRequested(); };
    if (cancelled())
        throw Cancelled();
    prepare(config, observer);
    State& s = *state_;

    std::vector<std::string> methods = methodsOf(config);
    for (const SweepRequest& sweep : config.sweeps) // a swept method is scored (at the chosen value)
        if (std::find(methods.begin(), methods.end(), sweep.method) == methods.end())
            methods.push_back(sweep.method);
    bool needFit = false;
    for (const std::string& id : methods)
        needFit = needFit || requireMethod(id).has(NeedsFitSet);
    std::vector<std::string> closedForm;
    for (const std::string& id : methods)
        if (requireMethod(id).isClosedForm())
            closedForm.push_back(id);

    Run run(s, observer, start);
    for (std::size_t i = 0; i < s.datasets.size(); ++i) {
        Extracted& e = s.datasets[i];
        if (e.summary.ok())
            continue;
        // Fit sets are extracted only when a fitted method asks for them.
        if (e.spec.role == DatasetRole::Fit && !needFit) {
            e.summary.error = "not needed by the chosen methods";
            e.summary.needed = false;
            continue;
        }
        if (isValidation(e.spec.role) && config.sweeps.empty()) {
            e.summary.error = "not needed: no sweep asked for";
            e.summary.needed = false;
            continue;
        }
        run.extract(i);
        ++extractions_;
        if (e.summary.ok() && !e.summary.fromCache)
            ++modelPasses_;
        if (observer)
            observer->datasetFinished(i, e.summary);
        if (cancelled())
            throw Cancelled();
        // Results appear as each OOD set finishes; the final result replaces them at the end.
        if (observer && e.summary.ok() && e.spec.role == DatasetRole::Ood && run.idReady() && !closedForm.empty())
            observer->partialResult(run.result(closedForm, true));
    }

    const int id = run.indexOf(DatasetRole::Id);
    if (!run.idReady())
        throw Error("ID test set: " + s.datasets[id].summary.error);
    run.warnAboutClassNames();
    run.warnAboutTheModel();
    if (run.usableOods().empty()) {
        std::string errors;
        for (const Extracted& e : s.datasets)
            if (e.spec.role == DatasetRole::Ood)
                errors += (errors.empty() ? "" : "; ") + e.spec.name + ": " + e.summary.error;
        throw Error(errors.empty() ? std::string("no OOD set given") : "no OOD set could be read: " + errors);
    }
    std::vector<SweepResult> sweeps;
    for (const SweepRequest& request : config.sweeps) {
        SweepResult r = run.sweep(request);
        if (config.applySweeps)
            s.config.params = withSweepValues(s.config.params, request.method, r.chosen()->values);
        sweeps.push_back(std::move(r));
        if (cancelled())
            throw Cancelled();
    }
    return run.result(methods, false, std::move(sweeps));
}

Pipeline::Extraction Pipeline::extract(const RunConfig& config, const std::optional<Shard>& shard, RunObserver* observer)
{
    const auto start = std::chrono::steady_clock::now();
    checkConfig(config);
    if (observer && observer->isCancelRequested())
        throw Cancelled();
    prepare(config, observer);
    State& s = *state_;
    Run run(s, observer, start);
    Extraction out;
    out.head = s.model->head();
    out.classNames = s.modelClasses.names;
    for (std::size_t i = 0; i < s.datasets.size(); ++i) {
        Extracted& e = s.datasets[i];
        if (!e.summary.ok() || shard) { // a kept whole set is not a shard of it
            run.extract(i, shard ? &*shard : nullptr);
            ++extractions_;
            if (e.summary.ok() && !e.summary.fromCache)
                ++modelPasses_;
            if (observer)
                observer->datasetFinished(i, e.summary);
            if (observer && observer->isCancelRequested())
                throw Cancelled();
        }
        out.datasets.push_back(e.summary);
        out.features.push_back(e.features ? e.features : std::make_shared<const FeatureSet>());
        if (shard) // what is kept is the shard: a later run() must extract (or merge) the whole set
            e.summary.error = "not extracted yet";
    }
    return out;
}

RunResultPtr runOnce(const RunConfig& config, RunObserver* observer)
{
    Pipeline pipeline;
    return pipeline.run(config, observer);
}

} // namespace oodlens
