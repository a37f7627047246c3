// SPDX-License-Identifier: GPL-3.0-or-later
#include "explore/GalleryModel.h"

#include "explore/ClassText.h"
#include "explore/DatasetSlot.h"
#include "explore/ThumbnailLoader.h"

#include <cmath>

namespace oodlens::ui {

GalleryModel::GalleryModel(Workspace* session, ThumbnailLoader* loader, QObject* parent)
    : QAbstractListModel(parent), session_(session), loader_(loader)
{
    connect(session, &Workspace::resultChanged, this, &GalleryModel::onResultChanged);
    connect(session, &Workspace::currentMethodChanged, this, [this] {
        if (sortMethod_.isEmpty() || flag_ != FlagFilter::Any)
            refresh();
        else if (!order_.empty())
            emit dataChanged(index(0), index(rowCount() - 1), {FlaggedRole});
    });
    connect(session, &Workspace::thresholdChanged, this, [this] {
        if (flag_ != FlagFilter::Any)
            refresh();
        else if (!order_.empty())
            emit dataChanged(index(0), index(rowCount() - 1), {FlaggedRole});
    });
    connect(session, &Workspace::selectionChanged, this, [this] {
        if (selectionOnly_)
            refresh();
    });
    connect(session, &Workspace::currentImageChanged, this, &GalleryModel::onCurrentImageChanged);
    if (loader)
        connect(loader, &ThumbnailLoader::thumbnailReady, this, &GalleryModel::onThumbnailReady);
    onResultChanged();
}

void GalleryModel::onResultChanged()
{
    predictions_.clear();
    labels_.clear();
    if (const RunResultPtr r = session_->result()) {
        for (std::size_t d = 0; d < r->features.size(); ++d) {
            const auto& set = r->features[d];
            predictions_.push_back(set ? predictions(*set) : std::vector<int>{});
            // Only ID class labels take part in the true-class filter and the "wrong" mark.
            std::vector<int> labels = set ? set->labels : std::vector<int>{};
            for (int& label : labels)
                if (!r->isIdClassLabel(d, label))
                    label = -1;
            labels_.push_back(std::move(labels));
        }
    }
    refresh();
}

int GalleryModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(order_.size());
}

QString GalleryModel::sortMethod() const
{
    return sortMethod_.isEmpty() && session_ ? session_->currentMethod() : sortMethod_;
}

double GalleryModel::scoreOf(const ImageIndex& image) const
{
    const RunResultPtr r = session_ ? session_->result() : nullptr;
    if (!r)
        return std::nan("");
    const std::vector<double>& s = r->scoresOf(sortMethod().toStdString(), image.dataset);
    return image.row < s.size() ? s[image.row] : std::nan("");
}

ImageRef GalleryModel::imageAt(int row) const
{
    if (row < 0 || static_cast<std::size_t>(row) >= order_.size())
        return {};
    const ImageIndex& i = order_[static_cast<std::size_t>(row)];
    return {static_cast<int>(i.dataset), static_cast<int>(i.row)};
}

int GalleryModel::rowOf(const ImageRef& image) const
{
    if (!image.isValid() || static_cast<std::size_t>(image.dataset) >= position_.size())
        return -1;
    const std::vector<int>& p = position_[static_cast<std::size_t>(image.dataset)];
    return static_cast<std::size_t>(image.row) < p.size() ? p[static_cast<std::size_t>(image.row)] : -1;
}

int GalleryModel::rowPrediction(const ImageRef& image) const
{
    const auto d = static_cast<std::size_t>(image.dataset);
    const auto row = static_cast<std::size_t>(image.row);
    return image.isValid() && d < predictions_.size() && row < predictions_[d].size() ? predictions_[d][row] : -1;
}

const std::vector<int>& GalleryModel::predictionsOf(std::size_t d) const
{
    static const std::vector<int> none;
    return d < predictions_.size() ? predictions_[d] : none;
}

QVariant GalleryModel::data(const QModelIndex& index, int role) const
{
    const ImageRef ref = imageAt(index.row());
    if (!index.isValid() || !ref.isValid())
        return {};
    const RunResultPtr r = session_ ? session_->result() : nullptr;
    switch (role) {
    case Qt::DisplayRole:
        return QStringLiteral("#%1  %2").arg(index.row() + 1).arg(scoreOf(order_[index.row()]), 0, 'g', 4);
    case Qt::DecorationRole:
        return loader_ ? QVariant(loader_->thumbnail(ref)) : QVariant();
    case Qt::ToolTipRole: {
        const auto d = static_cast<std::size_t>(ref.dataset);
        const FeatureSet* set = r && d < r->features.size() ? r->features[d].get() : nullptr;
        QString tip = QString::fromStdString(r->datasets[d].name) + QStringLiteral(" #%1").arg(ref.row);
        if (set && static_cast<std::size_t>(ref.row) < set->paths.size())
            tip += QStringLiteral("\n") + QString::fromStdString(set->paths[ref.row]);
        if (set && static_cast<std::size_t>(ref.row) < set->rows) {
            const auto row = static_cast<std::size_t>(ref.row);
            const int label = row < set->labels.size() ? set->labels[row] : -1;
            const int predicted = set->prediction(row);
            if (label >= 0)
                tip += QStringLiteral("\n") +
                       (r->isIdClassLabel(d, label) ? tr("true label: %1").arg(labelText(*r, d, label))
                                                    : tr("label: %1 (not an ID class)")
                                                          .arg(labelText(*r, d, label)));
            tip += QStringLiteral("\n") + tr("prediction: %1").arg(predictionText(*r, predicted));
            if (r->isIdClassLabel(d, label))
                tip += label == predicted ? tr(" (correct)") : tr(" (wrong)");
        }
        return tip;
    }
    case CaptionRole: {
        const int predicted = rowPrediction(ref);
        if (predicted < 0 || !r)
            return QString();
        // The name alone fits a tile; a bare number under the score would read as another score.
        const QString name = QString::fromStdString(r->className(predicted));
        return name.isEmpty() || name == QString::number(predicted) ? tr("class %1").arg(predicted) : name;
    }
    case WrongRole: {
        const auto d = static_cast<std::size_t>(ref.dataset);
        const auto row = static_cast<std::size_t>(ref.row);
        const int label = d < labels_.size() && row < labels_[d].size() ? labels_[d][row] : -1;
        return label >= 0 && label != rowPrediction(ref);
    }
    case ImageRefRole:
        return QVariant::fromValue(ref);
    case ScoreRole:
        return scoreOf(order_[index.row()]);
    case RankRole:
        return index.row() + 1;
    case FlaggedRole:
        return session_ && session_->isFlagged(ref);
    case CurrentRole:
        return ref == current_;
    case DatasetNameRole:
        return r ? QString::fromStdString(r->datasets[static_cast<std::size_t>(ref.dataset)].name) : QString();
    default:
        return {};
    }
}

void GalleryModel::setSortMethod(const QString& method)
{
    if (method == sortMethod_)
        return;
    sortMethod_ = method;
    refresh();
}

void GalleryModel::setAscending(bool ascending)
{
    if (ascending == ascending_)
        return;
    ascending_ = ascending;
    refresh();
}

void GalleryModel::setDatasetFilter(int dataset)
{
    if (dataset == dataset_)
        return;
    dataset_ = dataset;
    refresh();
}

void GalleryModel::setTrueClassFilter(int cls)
{
    if (cls == trueClass_)
        return;
    trueClass_ = cls;
    refresh();
}

void GalleryModel::setPredictedClassFilter(int cls)
{
    if (cls == predictedClass_)
        return;
    predictedClass_ = cls;
    refresh();
}

void GalleryModel::setFlagFilter(FlagFilter flag)
{
    if (flag == flag_)
        return;
    flag_ = flag;
    refresh();
}

void GalleryModel::setSelectionOnly(bool on)
{
    if (on == selectionOnly_)
        return;
    selectionOnly_ = on;
    refresh();
}

void GalleryModel::refresh()
{
    beginResetModel();
    order_.clear();
    position_.clear();
    current_ = session_ ? session_->currentImage() : ImageRef();
    const RunResultPtr r = session_ ? session_->result() : nullptr;
    if (r) {
        const std::string sortId = sortMethod().toStdString();
        const std::string flagId = session_->currentMethod().toStdString();
        std::vector<ImageColumns> columns;
        for (std::size_t d = 0; d < r->datasets.size(); ++d) {
            // "Every dataset" means the ID and OOD sets; the fit set is shown only when chosen.
            if (dataset_ >= 0 ? static_cast<std::size_t>(dataset_) != d : datasetSlot(*r, d) < 0)
                continue;
            ImageColumns c;
            c.dataset = d;
            c.sortScores = &r->scoresOf(sortId, d);
            c.flagScores = &r->scoresOf(flagId, d);
            c.labels = d < labels_.size() ? &labels_[d] : nullptr;
            c.predictions = d < predictions_.size() ? &predictions_[d] : nullptr;
            columns.push_back(c);
        }
        ImageFilter f;
        f.trueClass = trueClass_;
        f.predictedClass = predictedClass_;
        f.flag = flag_;
        f.threshold = session_->threshold();
        f.restrict = selectionOnly_;
        for (const ImageRef& s : session_->selection())
            f.only.push_back({static_cast<std::size_t>(s.dataset), static_cast<std::size_t>(s.row)});
        order_ = selectImages(columns, f, ascending_);
        position_.resize(r->datasets.size());
        for (std::size_t d = 0; d < r->datasets.size(); ++d)
            position_[d].assign(r->scoresOf(sortId, d).size(), -1);
        for (std::size_t i = 0; i < order_.size(); ++i)
            position_[order_[i].dataset][order_[i].row] = static_cast<int>(i);
    }
    endResetModel();
}

void GalleryModel::onCurrentImageChanged(const ImageRef& image)
{
    const ImageRef old = current_;
    current_ = image;
    for (const ImageRef& ref : {old, image}) {
        const int row = rowOf(ref);
        if (row >= 0)
            emit dataChanged(index(row), index(row), {CurrentRole});
    }
}

void GalleryModel::onThumbnailReady(const ImageRef& image)
{
    const int row = rowOf(image);
    if (row >= 0)
        emit dataChanged(index(row), index(row), {Qt::DecorationRole});
}

} // namespace oodlens::ui
