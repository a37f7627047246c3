// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/ResultMetaTypes.h"
#include "metrics/ThresholdIndex.h"
#include "run/RunConfig.h"

#include <QObject>
#include <QString>
#include <QVector>

#include <cstddef>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace oodlens::ui {

// One image of one dataset of the current result: `dataset` indexes RunResult::datasets,
// `row` indexes that dataset's FeatureSet rows (and its score vectors).
struct ImageRef {
    int dataset = -1;
    int row = -1;
    bool isValid() const { return dataset >= 0 && row >= 0; }
    bool operator==(const ImageRef& o) const { return dataset == o.dataset && row == o.row; }
    bool operator!=(const ImageRef& o) const { return !(*this == o); }
};

// The one owner of the state every view shares, so that they stay in sync without knowing each
// other: the editable analysis (the RunConfig the next run does: model, datasets, checked
// methods, parameters), the current result, the method being looked at, the one decision
// threshold (accept as ID when score >= threshold, in the current method's units), the image
// being inspected and the selection. Views and docks read it, call its setters and follow its
// signals; nobody else keeps a copy. Every setter emits its signals only when something changed,
// after the whole change is made (a handler always reads a consistent state). Lives on the GUI
// thread.
//
// The threshold follows the data the way a user expects the operating point to: a new result
// keeps it exactly when the current method's ID scores did not change (the rest of a run after a
// partial result, a rescore of another method), else keeps the share of ID images accepted; a
// method switch keeps that share too; with nothing to carry it starts at 95% ID TPR.
class Workspace : public QObject {
    Q_OBJECT

public:
    explicit Workspace(QObject* parent = nullptr);

    // --- The analysis being edited -------------------------------------------------------------
    const RunConfig& config() const { return config_; }
    // Whether a whole analysis was set (setConfig) or edited; before that the config only holds
    // the checked methods, and the window asks its factory (the demo) for the rest.
    bool isConfigured() const { return configured_; }
    // Replaces the whole analysis (a session opened, the demo set up); emits configChanged only.
    void setConfig(RunConfig config);
    // A different model clears the result: the previous model's plots must not stay on screen.
    // A path without its ModelInfo (a session, a test): the info comes with the next result.
    void setModelPath(const QString& path);
    // A model opened and checked (RunController::openModel): its info, and a fresh start of the
    // preprocessing from its own sidecar or input shape (never the previous model's spec).
    void setModel(const QString& path, const ModelInfo& info);
    // What the engine found in the configured model, when known (a load or a result of it).
    const ModelInfo* modelInfo() const { return modelInfo_ && modelInfo_->path == config_.modelPath ? &*modelInfo_ : nullptr; }
    // The user's preprocessing fields (unset = from the model). A change clears a result made
    // with other preprocessing: every feature depends on it.
    void setPreprocess(const PreprocessSpec& spec);
    // The preprocessing the next run uses and where each value comes from: the result's when it
    // was made with the current config, else resolved from the model's info; nullopt before the
    // model is known.
    std::optional<ResolvedPreprocess> resolvedPreprocess() const;
    // Whether a result was made with the configured model, preprocessing and device (else it
    // describes another model side and must not be shown as this one's).
    bool madeWithCurrentModel(const RunResult& r) const;
    bool resultMatchesModel() const { return result_ && madeWithCurrentModel(*result_); }
    // Adds a dataset under RunConfig::addDataset's rules (a second ID set replaces the first,
    // names unique per role, no path twice); emits datasetsChanged when it was added.
    DatasetAddition addDataset(const DatasetSpec& spec);
    void removeDataset(int index);
    // Puts OOD set `index` in a group ("near", "far"; empty: none), which the results table
    // averages. Changes no score. Returns false for another role or an unchanged group.
    bool setDatasetGroup(int index, const QString& group);
    // Whether the analysis was edited since it was set, opened or saved (setModified(false)).
    bool isModified() const { return modified_; }
    void setModified(bool modified);

    // The methods the next run scores (the checked ones).
    void setMethods(const std::vector<std::string>& methods);
    // One score parameter ("energy.T").
    void setParam(const QString& key, double value);
    // The sweep the runs carry from now on (RunConfig::sweeps with applySweeps off: the scores keep
    // the configured values; "Apply best" sets the chosen ones with setParam). An edit: it runs.
    void setSweep(const oodlens::SweepRequest& request, const oodlens::SweepSettings& settings);
    // Makes `method`, scored with `params` (the whole parameter set: the configured one with the
    // method's own values set, as FamilyMember::params(config().params) gives), the current method
    // everywhere. When the result has its scores with these parameters, at once; else the method is
    // checked and the parameters set, an edit like any other (the auto-run rescores from the cached
    // features), and it becomes current when a result with it arrives (pendingMethod() until then).
    // The one path for a view that asks for a method which may not be scored yet (a cell of the
    // factor analysis's family heatmap).
    void showMethod(const QString& method, const ScoreParams& params);
    QString pendingMethod() const { return pendingMethod_; }
    // Whether `r` has scores of `method` made with the configured parameters of `method`.
    bool scoredAsConfigured(const RunResult& r, const QString& method) const;

    // --- The result on screen ------------------------------------------------------------------
    RunResultPtr result() const { return result_; }
    QString currentMethod() const { return method_; }
    double threshold() const { return threshold_; }
    ImageRef currentImage() const { return current_; }
    const QVector<ImageRef>& selection() const { return selection_; }

    // Scores of the current method on one dataset of the current result (empty if none).
    const std::vector<double>& currentScores(std::size_t dataset) const;
    // Whether the current result has scores of `method`.
    bool hasScores(const QString& method) const;
    // Whether an image is flagged as OOD at the current threshold (score < threshold; NaN is flagged).
    bool isFlagged(const ImageRef& image) const;
    // `method`'s scores of the current result sorted once (built on first use, dropped with the
    // result), so that every view answers a threshold move with binary searches.
    const ThresholdIndex& thresholdIndex(const QString& method) const;
    const ThresholdIndex& currentThresholdIndex() const { return thresholdIndex(method_); }
    // The share of the ID set the current method accepts at the threshold; NaN without one.
    double idAcceptance() const;
    // `method`'s threshold accepting `share` of the ID set (NaN when it has no ID scores): how
    // another method is read at the same operating point.
    double thresholdAtIdAcceptance(const QString& method, double share) const;
    // The threshold at 95% ID TPR of `method` (BinaryMetrics::threshold95); NaN without scores.
    double thresholdAtIdTpr95(const QString& method) const;

    // The threshold the next result applies (a reopened session's), instead of the carried one.
    void setPendingThreshold(double threshold) { pendingThreshold_ = threshold; }

public Q_SLOTS:
    // Shows `result` (nullptr clears the views); the threshold follows as described above.
    void setResult(oodlens::RunResultPtr result);
    // Unknown ids are kept (the view says it is not scored); the threshold keeps the ID share.
    void setCurrentMethod(const QString& method);
    void setThreshold(double threshold);
    void setCurrentImage(oodlens::ui::ImageRef image);
    void setSelection(const QVector<oodlens::ui::ImageRef>& images);

Q_SIGNALS:
    // Any change of the analysis: replaced, or edited (then the specific signal below comes first).
    void configChanged();
    void modelPathChanged(const QString& path);
    // The model's info or the preprocessing changed (resolvedPreprocess() may differ; it also
    // may with resultChanged, when a run settled a guess).
    void preprocessChanged();
    // The user edited the analysis (model, preprocessing, datasets, methods, parameters): what
    // runs on every change (RunController's auto-run) follows this, not setConfig.
    void analysisEdited();
    void modifiedChanged(bool modified);
    void datasetsChanged();
    void datasetRemoved(int index);
    void methodsChanged();
    void paramsChanged();

    void resultChanged();
    void currentMethodChanged(const QString& method);
    void thresholdChanged(double threshold);
    void currentImageChanged(oodlens::ui::ImageRef image);
    void selectionChanged();

private:
    // The threshold a view of `method` starts at: `keep` when finite, else the one accepting
    // `carry` of the ID set, else the one at 95% ID TPR; NaN when `method` has no ID scores.
    double startingThreshold(const QString& method, double carry, double keep) const;

    // Marks the analysis edited; emits configChanged.
    void edited();

    RunConfig config_;
    bool configured_ = false;
    bool modified_ = false;
    std::optional<ModelInfo> modelInfo_;
    RunResultPtr result_;
    QString method_;
    QString pendingMethod_;
    double threshold_ = 0;
    double pendingThreshold_ = std::numeric_limits<double>::quiet_NaN();
    ImageRef current_;
    QVector<ImageRef> selection_;
    mutable std::map<QString, std::shared_ptr<const ThresholdIndex>> indices_;
};

} // namespace oodlens::ui

Q_DECLARE_METATYPE(oodlens::ui::ImageRef)
