// SPDX-License-Identifier: GPL-3.0-or-later
#include "AnalysisSession.h"

#include <cmath>

namespace oodlens::ui {

AnalysisSession::AnalysisSession(QObject* parent) : QObject(parent)
{
    qRegisterMetaType<ImageRef>("oodlens::ui::ImageRef");
}

const std::vector<double>& AnalysisSession::currentScores(std::size_t dataset) const
{
    static const std::vector<double> none;
    return result_ ? result_->scoresOf(method_.toStdString(), dataset) : none;
}

bool AnalysisSession::isFlagged(const ImageRef& image) const
{
    if (!image.isValid())
        return false;
    const std::vector<double>& s = currentScores(static_cast<std::size_t>(image.dataset));
    if (static_cast<std::size_t>(image.row) >= s.size())
        return false;
    const double v = s[static_cast<std::size_t>(image.row)];
    return std::isnan(v) || v < threshold_;
}

const ThresholdIndex& AnalysisSession::thresholdIndex(const QString& method) const
{
    static const ThresholdIndex none;
    if (!result_)
        return none;
    auto it = indices_.find(method);
    if (it == indices_.end())
        it = indices_.emplace(method, std::make_shared<const ThresholdIndex>(*result_, method.toStdString())).first;
    return *it->second;
}

void AnalysisSession::setResult(AnalysisResultPtr result)
{
    result_ = std::move(result);
    indices_.clear();
    // An image reference into the old result may point nowhere now.
    current_ = ImageRef();
    selection_.clear();
    emit resultChanged();
    emit currentImageChanged(current_);
    emit selectionChanged();
}

void AnalysisSession::setCurrentMethod(const QString& method)
{
    if (method == method_)
        return;
    method_ = method;
    emit currentMethodChanged(method_);
}

void AnalysisSession::setThreshold(double threshold)
{
    if (threshold == threshold_ || std::isnan(threshold))
        return;
    threshold_ = threshold;
    emit thresholdChanged(threshold_);
}

void AnalysisSession::setCurrentImage(ImageRef image)
{
    if (image == current_)
        return;
    current_ = image;
    emit currentImageChanged(current_);
}

void AnalysisSession::setSelection(const QVector<ImageRef>& images)
{
    if (images == selection_)
        return;
    selection_ = images;
    emit selectionChanged();
}

} // namespace oodlens::ui
