// SPDX-License-Identifier: GPL-3.0-or-later
#include "detector/Apply.h"

#include "common/Error.h"
#include "common/Progress.h"
#include "datasets/Dataset.h"
#include "features/Extraction.h"
#include "features/ResolvedPreprocess.h"
#include "io/Export.h"
#include "io/Json.h"
#include "io/TextEscape.h"
#include "methods/Registry.h"
#include "methods/Scores.h"
#include "model/Classifier.h"

#include <chrono>
#include <cmath>
#include <sstream>

namespace oodlens {
namespace {

ScoreParams paramsOf(const Detector& d)
{
    ScoreParams p;
    for (const auto& [name, value] : d.params.values())
        p.set(d.method + "." + name, value);
    return p;
}

// Passes progress on with the images done over every source, and keeps the warnings.
class ApplySink final : public ProgressSink {
public:
    ApplySink(ProgressSink* outer, ApplySummary& summary) : outer_(outer), summary_(summary) {}
    void update(const std::string& stage, std::size_t done, std::size_t) override
    {
        if (outer_)
            outer_->update(stage, base_ + done, total_);
    }
    void warning(const std::string& message) override
    {
        if (message.rfind("skipped ", 0) == 0)
            return; // extraction's word for an unreadable image: a decision of its own
        summary_.warnings.push_back(message);
        if (outer_)
            outer_->warning(message);
    }
    bool isCancelRequested() const override { return outer_ && outer_->isCancelRequested(); }
    std::size_t base_ = 0, total_ = 0;

private:
    ProgressSink* outer_;
    ApplySummary& summary_;
};

} // namespace

ApplySummary applyDetector(const Detector& d, const ApplyOptions& o, const std::function<void(const ApplyDecision&)>& decide,
                           ProgressSink* outer)
{
    const auto start = std::chrono::steady_clock::now();
    ApplySummary summary;
    summary.threshold = d.threshold;
    ApplySink sink(outer, summary);
    const MethodInfo& info = requireMethod(d.method);
    if (info.images)
        throw Error(info.label + " needs a second pass over the images, which detectors do not make");
    if (o.sources.empty())
        throw Error("no images given to apply the detector to");
    const std::string modelPath = o.modelPath.empty() ? d.modelPath : o.modelPath;
    const std::string device = o.device.empty() ? d.device : o.device;
    sink.update("loading the model", 0, 0);
    std::unique_ptr<Classifier> model = Classifier::load(modelPath, device, probeShapeOf(d.preprocess));
    summary.modelPath = modelPath;
    summary.modelSha256 = model->info().sha256;
    if (model->info().sha256 != d.modelSha256) {
        const std::string what = "the model '" + modelPath + "' has SHA-256 " + model->info().sha256 +
                                 ", but the detector was calibrated on '" + d.modelPath + "' with SHA-256 " +
                                 d.modelSha256;
        if (!o.allowModelMismatch)
            throw Error(what + "; its scores and threshold do not apply to another model (--allow-model-mismatch "
                               "scores anyway)");
        summary.modelMismatch = true;
        sink.warning(what + " (scored anyway: --allow-model-mismatch)");
    }
    if (model->head().dim != d.featureDim || model->head().classes != d.classes)
        throw Error("the model '" + modelPath + "' has " + std::to_string(model->head().dim) + " features and " +
                    std::to_string(model->head().classes) + " classes, the detector " + std::to_string(d.featureDim) +
                    " and " + std::to_string(d.classes));
    const ScoreParams params = paramsOf(d);
    std::unique_ptr<FittedScorer> fitted;
    if (info.fit) {
        sink.update("fitting " + info.label, 0, 0);
        fitted = fitScorer(d.method, d.fit.get(), model->head(), params, &sink);
    }

    // Every source is opened once first, so that the progress knows the total and a bad source is
    // named at once, and released again: each is reopened when its turn comes, so that only one
    // holds its descriptors (and an IDX file its inflated body) at a time, whatever their number.
    DatasetOptions dataOptions;
    if (o.maxPixels)
        dataOptions.maxPixels = o.maxPixels;
    bool anyOpen = false;
    for (std::size_t s = 0; s < o.sources.size(); ++s) {
        ApplySource src;
        src.path = o.sources[s];
        try {
            const std::unique_ptr<Dataset> data = openDataset(src.path, dataOptions);
            src.kind = data->kind();
            src.items = data->size();
            sink.total_ += src.items;
            anyOpen = true;
        } catch (const Error& e) {
            src.error = e.what();
            sink.warning(src.error);
        }
        summary.sources.push_back(std::move(src));
    }
    if (!anyOpen)
        throw Error("none of the images could be read: " + summary.sources.front().error);

    const std::size_t block = std::max<std::size_t>(1, o.blockImages);
    ExtractionOptions extraction;
    extraction.batchSize = o.batchSize;
    for (std::size_t s = 0; s < summary.sources.size(); ++s) {
        ApplySource& src = summary.sources[s];
        if (!src.error.empty())
            continue;
        std::unique_ptr<Dataset> data;
        try {
            data = openDataset(src.path, dataOptions);
        } catch (const Error& e) {
            src.error = e.what(); // it changed since it was counted
            sink.warning(src.error);
            continue;
        }
        if (data->size() != src.items)
            throw Error("'" + src.path + "' changed while the detector was applied: " + std::to_string(src.items) +
                        " images when counted, " + std::to_string(data->size()) + " now");
        const std::string fingerprint = data->fingerprint();
        for (std::size_t begin = 0; begin < src.items; begin += block) {
            throwIfCancelled(&sink);
            const std::size_t end = std::min(src.items, begin + block);
            const std::unique_ptr<Dataset> part = datasetRange(*data, begin, end, fingerprint);
            CachedFeatures got;
            try {
                got = extractCached(*model, *part, part->fingerprint(), d.preprocess, CacheOptions{o.cacheDir, device}, extraction, &sink,
                                    src.path + " items " + std::to_string(begin) + "-" + std::to_string(end) +
                                        " | " + modelPath + " | " + d.preprocess.describe());
            } catch (const NoReadableImage& e) {
                // No image of this block could be read: each is a decision "unreadable", with its
                // own reason. A model failure is not caught here: it stops the apply.
                got.set.skipped = e.skipped;
            }
            src.fromCache += got.fromCache;
            const FeatureSet& set = got.set;
            std::vector<double> scores;
            if (set.rows)
                scores = fitted ? fitted->score(set, &sink) : computeScores(d.method, set, model->head(), params, &sink);
            // Decisions in dataset order: the scored rows and the unreadable items between them.
            std::size_t row = 0, skippedAt = 0;
            for (std::size_t i = 0; i < end - begin; ++i) {
                ApplyDecision dec;
                dec.source = s;
                dec.item = begin + i;
                if (row < set.rows && set.index[row] == i) {
                    dec.path = set.paths[row];
                    dec.score = scores[row];
                    dec.flagged = !(dec.score >= d.threshold);
                    dec.predicted = set.prediction(row);
                    if (dec.predicted >= 0 && std::size_t(dec.predicted) < d.classNames.size())
                        dec.className = d.classNames[std::size_t(dec.predicted)];
                    dec.margin = dec.score - d.threshold;
                    ++row;
                    ++src.scored;
                    src.flagged += dec.flagged;
                    src.nan += std::isnan(dec.score);
                    src.scores.push_back(dec.score);
                } else {
                    dec.readable = false;
                    dec.path = part->itemPath(i);
                    dec.reason = skippedAt < set.skipped.size() ? set.skipped[skippedAt++] : "could not be read";
                    ++src.unreadable;
                }
                decide(dec);
            }
            sink.base_ += end - begin;
            if (outer)
                outer->update("applying the detector", sink.base_, sink.total_);
        }
        summary.scored += src.scored;
        summary.flagged += src.flagged;
        summary.unreadable += src.unreadable;
        summary.nan += src.nan;
    }
    summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return summary;
}

std::string decisionsCsvHeader() { return "path,set,score,decision,predicted_class,predicted_name,margin\n"; }

std::string decisionsCsvRow(const ApplyDecision& d)
{
    std::string row = csvField(d.path) + "," + std::to_string(d.source) + ",";
    if (!d.readable)
        return row + ",unreadable,,," + "\n";
    row += exactNumber(d.score) + "," + (d.flagged ? "flagged" : "accepted") + "," + std::to_string(d.predicted) + "," +
           csvField(d.className) + "," + exactNumber(d.margin) + "\n";
    return row;
}

std::string applySummaryJson(const Detector& d, const ApplySummary& s)
{
    Json root = Json::object();
    Json det = Json::object();
    det.set("method", d.method);
    det.set("label", d.methodLabel());
    det.set("threshold", d.threshold);
    det.set("target", calibrationTargetName(d.target));
    det.set("target_value", d.targetValue);
    det.set("calibration_id_tpr", d.idTpr.estimate);
    root.set("detector", std::move(det));
    Json model = Json::object();
    model.set("path", s.modelPath);
    model.set("sha256", s.modelSha256);
    model.set("mismatch_allowed", s.modelMismatch);
    root.set("model", std::move(model));
    Json sources = Json::array();
    for (const ApplySource& src : s.sources) {
        Json j = Json::object();
        j.set("path", src.path);
        j.set("kind", src.kind);
        j.set("images", static_cast<unsigned long long>(src.items));
        j.set("scored", static_cast<unsigned long long>(src.scored));
        j.set("flagged", static_cast<unsigned long long>(src.flagged));
        j.set("accepted", static_cast<unsigned long long>(src.scored - src.flagged));
        j.set("unreadable", static_cast<unsigned long long>(src.unreadable));
        j.set("nan_scores", static_cast<unsigned long long>(src.nan));
        j.set("flagged_fraction", src.scored ? double(src.flagged) / double(src.scored) : 0.0);
        j.set("blocks_from_cache", static_cast<unsigned long long>(src.fromCache));
        if (!src.error.empty())
            j.set("error", src.error);
        sources.push(std::move(j));
    }
    root.set("sources", std::move(sources));
    root.set("scored", static_cast<unsigned long long>(s.scored));
    root.set("flagged", static_cast<unsigned long long>(s.flagged));
    root.set("accepted", static_cast<unsigned long long>(s.scored - s.flagged));
    root.set("unreadable", static_cast<unsigned long long>(s.unreadable));
    root.set("nan_scores", static_cast<unsigned long long>(s.nan));
    root.set("flagged_fraction", s.flaggedFraction());
    Json warnings = Json::array();
    for (const std::string& w : s.warnings)
        warnings.push(w);
    root.set("warnings", std::move(warnings));
    root.set("seconds", s.seconds);
    return root.dump() + "\n";
}

std::string applySummaryText(const Detector& d, const ApplySummary& s)
{
    std::ostringstream out;
    out << d.methodLabel() << " at threshold " << exactNumber(d.threshold) << " (calibrated to "
        << calibrationTargetName(d.target) << " " << d.targetValue << "):\n";
    auto line = [&](const std::string& name, std::size_t scored, std::size_t flagged, std::size_t unreadable) {
        out << "  " << name << ": " << scored << " images scored, " << flagged << " flagged ("
            << percentText(scored ? double(flagged) / double(scored) : 0.0) << " %), " << scored - flagged
            << " accepted";
        if (unreadable)
            out << ", " << unreadable << " unreadable";
        out << "\n";
    };
    for (const ApplySource& src : s.sources) {
        if (!src.error.empty())
            out << "  " << src.path << ": not read (" << src.error << ")\n";
        else
            line(src.path, src.scored, src.flagged, src.unreadable);
    }
    if (s.sources.size() > 1)
        line("all", s.scored, s.flagged, s.unreadable);
    return out.str();
}

} // namespace oodlens
