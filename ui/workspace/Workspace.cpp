// SPDX-License-Identifier: GPL-3.0-or-later
#include "workspace/Workspace.h"

#include "common/Error.h"
#include "metrics/SortedScores.h"
#include "methods/Registry.h"

#include <algorithm>

#include <cmath>

namespace oodlens::ui {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Whether an image of `from` is the same image in `to`: its dataset kept its index and features
// (a run's partial results and its final one share them; a rescore keeps them).
bool sameImage(const RunResult* from, const RunResult* to, const ImageRef& image)
{
    if (!from || !to || !image.isValid())
        return false;
    const auto d = static_cast<std::size_t>(image.dataset);
    return d < from->features.size() && d < to->features.size() && from->features[d] &&
           from->features[d] == to->features[d] && static_cast<std::size_t>(image.row) < to->features[d]->rows;
}

const std::vector<double>& idScoresOf(const RunResult* r, const std::string& method)
{
    static const std::vector<double> none;
    return r && r->idIndex >= 0 ? r->scoresOf(method, static_cast<std::size_t>(r->idIndex)) : none;
}

} // namespace

Workspace::Workspace(QObject* parent) : QObject(parent)
{
    qRegisterMetaType<ImageRef>("oodlens::ui::ImageRef");
}

// --- The analysis being edited -------------------------------------------------------------------

void Workspace::setConfig(RunConfig config)
{
    config_ = std::move(config);
    configured_ = true;
    if (result_ && !resultMatchesModel())
        setResult(nullptr);
    setModified(false);
    emit preprocessChanged();
    emit configChanged();
}

void Workspace::edited()
{
    setModified(true);
    emit configChanged();
    emit analysisEdited();
}

void Workspace::setModified(bool modified)
{
    if (modified == modified_)
        return;
    modified_ = modified;
    emit modifiedChanged(modified);
}

bool Workspace::madeWithCurrentModel(const RunResult& r) const
{
    const RunConfig& made = r.config;
    return made.modelPath == config_.modelPath && made.preprocess.describe() == config_.preprocess.describe() &&
           made.device == config_.device;
}

void Workspace::setModelPath(const QString& path)
{
    const std::string p = path.toStdString();
    configured_ = true;
    if (p == config_.modelPath)
        return;
    config_.modelPath = p;
    if (result_ && !resultMatchesModel())
        setResult(nullptr);
    emit modelPathChanged(path);
    emit preprocessChanged();
    edited();
}

void Workspace::setModel(const QString& path, const ModelInfo& info)
{
    configured_ = true;
    const bool samePath = path.toStdString() == config_.modelPath;
    modelInfo_ = info;
    modelInfo_->path = path.toStdString();
    config_.modelPath = modelInfo_->path;
    // A new model starts from its own sidecar or input shape.
    config_.preprocess = PreprocessSpec();
    if (result_ && !resultMatchesModel())
        setResult(nullptr);
    if (!samePath)
        emit modelPathChanged(path);
    emit preprocessChanged();
    edited();
}

void Workspace::setPreprocess(const PreprocessSpec& spec)
{
    if (spec.describe() == config_.preprocess.describe() && spec.presetName == config_.preprocess.presetName)
        return;
    configured_ = true;
    config_.preprocess = spec;
    if (result_ && !resultMatchesModel())
        setResult(nullptr);
    emit preprocessChanged();
    edited();
}

std::optional<ResolvedPreprocess> Workspace::resolvedPreprocess() const
{
    if (resultMatchesModel())
        return result_->preprocessOrigin;
    if (const ModelInfo* info = modelInfo())
        return resolvePreprocess(config_.preprocess, *info);
    return std::nullopt;
}

DatasetAddition Workspace::addDataset(const DatasetSpec& spec)
{
    DatasetAddition added = config_.addDataset(spec);
    if (!added.added)
        return added;
    configured_ = true;
    emit datasetsChanged();
    edited();
    return added;
}

void Workspace::removeDataset(int index)
{
    if (index < 0 || !config_.removeDataset(static_cast<std::size_t>(index)))
        return;
    emit datasetsChanged();
    emit datasetRemoved(index);
    edited();
}

bool Workspace::setDatasetGroup(int index, const QString& group)
{
    if (index < 0 || std::size_t(index) >= config_.datasets.size())
        return false;
    DatasetSpec& d = config_.datasets[std::size_t(index)];
    const std::string g = group.trimmed().toStdString();
    if (d.role != DatasetRole::Ood || d.group == g)
        return false;
    d.group = g;
    emit datasetsChanged();
    edited();
    return true;
}

void Workspace::setMethods(const std::vector<std::string>& methods)
{
    if (methods == config_.methods)
        return;
    config_.methods = methods;
    emit methodsChanged();
    edited();
}

void Workspace::setParam(const QString& key, double value)
{
    ScoreParams next = config_.params;
    next.set(key.toStdString(), value);
    if (next == config_.params)
        return;
    config_.params = std::move(next);
    emit paramsChanged();
    edited();
}

void Workspace::setSweep(const SweepRequest& request, const SweepSettings& settings)
{
    config_.sweeps = {request};
    config_.sweepSettings = settings;
    config_.applySweeps = false;
    edited();
}

bool Workspace::scoredAsConfigured(const RunResult& r, const QString& method) const
{
    const std::string id = method.toStdString();
    if (!r.scores.count(id) || !findMethod(id))
        return false;
    try {
        return r.params.resolve(id) == config_.params.resolve(id);
    } catch (const Error&) {
        return false;
    }
}

void Workspace::showMethod(const QString& method, const ScoreParams& params)
{
    const std::string id = method.toStdString();
    if (!findMethod(id))
        return;
    // What counts is the method's values: "l1_x_msp.a = 1" given where the default a is 1 changes nothing.
    bool paramsChange = false;
    try {
        paramsChange = !(params.resolve(id) == config_.params.resolve(id));
    } catch (const Error&) {
        return; // out of range: nothing to show
    }
    const bool methodsChange = std::find(config_.methods.begin(), config_.methods.end(), id) == config_.methods.end();
    if (!paramsChange && !methodsChange && result_ && scoredAsConfigured(*result_, method)) {
        pendingMethod_.clear();
        setCurrentMethod(method);
        return;
    }
    pendingMethod_ = method;
    if (paramsChange) {
        config_.params = params;
        emit paramsChanged();
    }
    if (methodsChange) {
        config_.methods.push_back(id);
        emit methodsChanged();
    }
    if (paramsChange || methodsChange)
        edited();
}

// --- The result on screen ------------------------------------------------------------------------

const std::vector<double>& Workspace::currentScores(std::size_t dataset) const
{
    static const std::vector<double> none;
    return result_ ? result_->scoresOf(method_.toStdString(), dataset) : none;
}

bool Workspace::hasScores(const QString& method) const
{
    return result_ && result_->scores.count(method.toStdString()) > 0;
}

bool Workspace::isFlagged(const ImageRef& image) const
{
    if (!image.isValid())
        return false;
    const std::vector<double>& s = currentScores(static_cast<std::size_t>(image.dataset));
    if (static_cast<std::size_t>(image.row) >= s.size())
        return false;
    const double v = s[static_cast<std::size_t>(image.row)];
    return std::isnan(v) || v < threshold_;
}

const ThresholdIndex& Workspace::thresholdIndex(const QString& method) const
{
    static const ThresholdIndex none;
    if (!result_)
        return none;
    auto it = indices_.find(method);
    if (it == indices_.end())
        it = indices_.emplace(method, std::make_shared<const ThresholdIndex>(*result_, method.toStdString())).first;
    return *it->second;
}

double Workspace::idAcceptance() const
{
    if (!result_ || result_->idIndex < 0 || method_.isEmpty())
        return kNaN;
    return currentThresholdIndex().acceptance(static_cast<std::size_t>(result_->idIndex), threshold_);
}

double Workspace::thresholdAtIdAcceptance(const QString& method, double share) const
{
    if (!result_ || result_->idIndex < 0 || std::isnan(share))
        return kNaN;
    return thresholdIndex(method).thresholdForAcceptance(static_cast<std::size_t>(result_->idIndex), share);
}

double Workspace::thresholdAtIdTpr95(const QString& method) const
{
    return thresholdAtIdAcceptance(method, kIdTpr95);
}

double Workspace::startingThreshold(const QString& method, double carry, double keep) const
{
    if (!hasScores(method))
        return kNaN;
    if (std::isfinite(keep))
        return keep;
    double t = std::isfinite(carry) ? thresholdAtIdAcceptance(method, carry) : kNaN;
    if (!std::isfinite(t))
        t = thresholdAtIdTpr95(method);
    return t;
}

void Workspace::setResult(RunResultPtr result)
{
    const double carry = idAcceptance();
    // A method asked for by showMethod, now scored: it becomes current with this result.
    QString next = method_;
    if (!pendingMethod_.isEmpty() && result && scoredAsConfigured(*result, pendingMethod_)) {
        next = pendingMethod_;
        pendingMethod_.clear();
    }
    // The same ID scores of the current method (the rest of a run after a partial result, a
    // rescore that did not touch it): the threshold stays exactly where the user put it.
    const std::string shown = method_.toStdString();
    const std::vector<double>& before = idScoresOf(result_.get(), shown);
    const bool sameIdScores = next == method_ && result && result_ && result->idIndex == result_->idIndex &&
                              !before.empty() && idScoresOf(result.get(), shown) == before;
    const double keep = sameIdScores ? threshold_ : kNaN;

    const RunResultPtr old = std::move(result_);
    result_ = std::move(result);
    indices_.clear();
    if (result_)
        modelInfo_ = result_->model;
    // Image references stay when they point at the same images (a partial result followed by the
    // rest of the run, a rescore); references into other data may point nowhere now.
    if (!sameImage(old.get(), result_.get(), current_))
        current_ = ImageRef();
    for (const ImageRef& s : selection_)
        if (!sameImage(old.get(), result_.get(), s)) {
            selection_.clear();
            break;
        }

    const QString oldMethod = method_;
    method_ = next;
    if (method_.isEmpty() && result_ && !result_->methods.empty())
        method_ = QString::fromStdString(result_->methods.front());
    const double oldThreshold = threshold_;
    double t = startingThreshold(method_, carry, keep);
    if (result_ && std::isfinite(pendingThreshold_)) {
        t = pendingThreshold_;
        pendingThreshold_ = kNaN;
    }
    if (std::isfinite(t))
        threshold_ = t;

    emit resultChanged();
    if (method_ != oldMethod)
        emit currentMethodChanged(method_);
    if (threshold_ != oldThreshold)
        emit thresholdChanged(threshold_);
    emit currentImageChanged(current_);
    emit selectionChanged();
}

void Workspace::setCurrentMethod(const QString& method)
{
    // A method picked now wins over one still waiting for its scores.
    pendingMethod_.clear();
    if (method == method_)
        return;
    // Keep the operating point: the same share of ID images accepted.
    const double carry = idAcceptance();
    method_ = method;
    const double oldThreshold = threshold_;
    const double t = startingThreshold(method_, carry, kNaN);
    if (std::isfinite(t))
        threshold_ = t;
    emit currentMethodChanged(method_);
    if (threshold_ != oldThreshold)
        emit thresholdChanged(threshold_);
}

void Workspace::setThreshold(double threshold)
{
    if (threshold == threshold_ || std::isnan(threshold))
        return;
    threshold_ = threshold;
    emit thresholdChanged(threshold_);
}

void Workspace::setCurrentImage(ImageRef image)
{
    if (image == current_)
        return;
    current_ = image;
    emit currentImageChanged(current_);
}

void Workspace::setSelection(const QVector<ImageRef>& images)
{
    if (images == selection_)
        return;
    selection_ = images;
    emit selectionChanged();
}

} // namespace oodlens::ui
