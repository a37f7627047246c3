// SPDX-License-Identifier: GPL-3.0-or-later
#include "workspace/Workspace.h"

#include <cmath>

namespace oodlens::ui {

Workspace::Workspace(QObject* parent) : QObject(parent)
{
    qRegisterMetaType<ImageRef>("oodlens::ui::ImageRef");
}

const std::vector<double>& Workspace::currentScores(std::size_t dataset) const
{
    static const std::vector<double> none;
    return result_ ? result_->scoresOf(method_.toStdString(), dataset) : none;
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

namespace {

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

} // namespace

void Workspace::setResult(RunResultPtr result)
{
    const RunResultPtr old = std::move(result_);
    result_ = std::move(result);
    indices_.clear();
    // Image references stay when they point at the same images (a partial result followed by the
    // rest of the run, a rescore); references into other data may point nowhere now.
    if (!sameImage(old.get(), result_.get(), current_))
        current_ = ImageRef();
    for (const ImageRef& s : selection_)
        if (!sameImage(old.get(), result_.get(), s)) {
            selection_.clear();
            break;
        }
    emit resultChanged();
    emit currentImageChanged(current_);
    emit selectionChanged();
}

void Workspace::setCurrentMethod(const QString& method)
{
    if (method == method_)
        return;
    method_ = method;
    emit currentMethodChanged(method_);
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
