// SPDX-License-Identifier: GPL-3.0-or-later
#include "apply/ApplyGalleryModel.h"

#include "common/Error.h"
#include "datasets/Dataset.h"
#include "explore/DatasetImages.h"

#include <QColor>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFileInfo>
#include <QThread>

#include <algorithm>
#include <cmath>
#include <mutex>

namespace oodlens::ui {

// Opens each source once, on first use, for the thumbnail workers (Dataset::image is const and
// thread-safe; opening happens under the lock so that no source is opened twice).
class AppliedImages {
public:
    AppliedImages(std::vector<std::string> sources, std::uint64_t maxPixels)
        : sources_(std::move(sources)), opened_(sources_.size()), maxPixels_(maxPixels)
    {
    }
    QImage image(std::size_t source, std::size_t item) const
    {
        if (source >= sources_.size())
            throw Error("no such source");
        std::shared_ptr<const Dataset> dataset;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!opened_[source]) {
                DatasetOptions options;
                if (maxPixels_)
                    options.maxPixels = maxPixels_;
                opened_[source] = openDataset(sources_[source], options);
            }
            dataset = opened_[source];
        }
        const ImageU8 img = dataset->image(item);
        return toQImage(img.width, img.height, img.channels, img.pixels.data());
    }

private:
    std::vector<std::string> sources_;
    mutable std::mutex mutex_;
    mutable std::vector<std::shared_ptr<const Dataset>> opened_;
    std::uint64_t maxPixels_ = 0;
};

ApplyGalleryModel::ApplyGalleryModel(QObject* parent) : QAbstractListModel(parent)
{
    pool_.setMaxThreadCount(std::max(1, std::min(4, QThread::idealThreadCount())));
    thumbs_.setMaxCost(32 * 1024); // kilobytes
}

ApplyGalleryModel::~ApplyGalleryModel()
{
    // No decode may post to this model once it is gone.
    pool_.clear();
    pool_.waitForDone();
}

void ApplyGalleryModel::setDecisions(std::vector<ApplyDecision> decisions, std::vector<std::string> sources,
                                     std::uint64_t maxPixels)
{
    beginResetModel();
    ++generation_;
    pool_.clear();
    thumbs_.clear();
    waiting_.clear();
    errors_.clear();
    decisions_ = std::move(decisions);
    images_ = std::make_shared<AppliedImages>(std::move(sources), maxPixels);
    rebuildRows();
    endResetModel();
}

void ApplyGalleryModel::clear() { setDecisions({}, {}, 0); }

void ApplyGalleryModel::setFilter(Filter filter)
{
    if (filter == filter_)
        return;
    beginResetModel();
    filter_ = filter;
    rebuildRows();
    endResetModel();
}

void ApplyGalleryModel::rebuildRows()
{
    rows_.clear();
    for (std::size_t i = 0; i < decisions_.size(); ++i) {
        const ApplyDecision& d = decisions_[i];
        const bool keep = filter_ == Filter::All || (filter_ == Filter::Unreadable && !d.readable) ||
                          (filter_ == Filter::Flagged && d.readable && d.flagged) ||
                          (filter_ == Filter::Accepted && d.readable && !d.flagged);
        if (keep)
            rows_.push_back(int(i));
    }
    if (filter_ == Filter::Flagged || filter_ == Filter::Accepted) {
        // The least ID-like first; a NaN score (flagged: it cannot be placed) before every number.
        std::stable_sort(rows_.begin(), rows_.end(), [this](int a, int b) {
            const double x = decisions_[std::size_t(a)].score, y = decisions_[std::size_t(b)].score;
            if (std::isnan(x) || std::isnan(y))
                return std::isnan(x) && !std::isnan(y);
            return x < y;
        });
    }
}

std::vector<const ApplyDecision*> ApplyGalleryModel::shown() const
{
    std::vector<const ApplyDecision*> out;
    out.reserve(rows_.size());
    for (int r : rows_)
        out.push_back(&decisions_[std::size_t(r)]);
    return out;
}

void ApplyGalleryModel::setThumbnailSize(int pixels)
{
    if (pixels == thumbSize_ || pixels < 16)
        return;
    beginResetModel();
    ++generation_;
    pool_.clear();
    thumbs_.clear();
    waiting_.clear();
    thumbSize_ = pixels;
    endResetModel();
}

int ApplyGalleryModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(rows_.size());
}

QVariant ApplyGalleryModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= int(rows_.size()))
        return {};
    const int i = rows_[std::size_t(index.row())];
    const ApplyDecision& d = decisions_[std::size_t(i)];
    switch (role) {
    case Qt::DisplayRole:
        if (!d.readable)
            return tr("unreadable");
        return std::isnan(d.score) ? tr("NaN") : QString::number(d.score, 'g', 4);
    case Qt::ToolTipRole: {
        QString tip = QString::fromStdString(d.path);
        if (!d.readable)
            return tip + QLatin1Char('\n') + QString::fromStdString(d.reason);
        tip += QLatin1Char('\n') + (d.flagged ? tr("flagged") : tr("accepted")) +
               tr(": score %1, margin %2 to the threshold").arg(d.score, 0, 'g', 6).arg(d.margin, 0, 'g', 4);
        tip += QLatin1Char('\n') + tr("predicted class %1").arg(d.predicted);
        if (!d.className.empty())
            tip += QStringLiteral(" (%1)").arg(QString::fromStdString(d.className));
        if (errors_.contains(i))
            tip += QLatin1Char('\n') + errors_.value(i);
        return tip;
    }
    case ScoreRole:
        return d.score;
    case PathRole:
        return QString::fromStdString(d.path);
    case DecisionRole:
        return i;
    case Qt::DecorationRole: {
        if (QImage* cached = thumbs_.object(i))
            return *cached;
        if (d.readable && !waiting_.contains(i) && !errors_.contains(i) && images_) {
            waiting_.insert(i);
            ++decodes_;
            const quint64 generation = generation_;
            const int size = thumbSize_;
            auto images = images_;
            auto* self = const_cast<ApplyGalleryModel*>(this);
            const std::size_t source = d.source, item = d.item;
            pool_.start([self, images, generation, i, size, source, item]() {
                QImage thumb;
                QString error;
                try {
                    thumb = images->image(source, item).scaled(size, size, Qt::KeepAspectRatio, Qt::SmoothTransformation);
                } catch (const std::exception& e) {
                    error = QString::fromStdString(e.what());
                }
                QMetaObject::invokeMethod(
                    self, [self, generation, i, thumb, error]() { self->deliver(generation, i, thumb, error); },
                    Qt::QueuedConnection);
            });
        }
        QImage blank(thumbSize_, thumbSize_, QImage::Format_RGB32);
        blank.fill(QColor(0xe8, 0xe8, 0xe8));
        return blank;
    }
    default:
        return {};
    }
}

void ApplyGalleryModel::deliver(quint64 generation, int decision, const QImage& thumbnail, const QString& error)
{
    if (generation != generation_)
        return;
    waiting_.remove(decision);
    if (!error.isEmpty())
        errors_.insert(decision, error);
    else
        thumbs_.insert(decision, new QImage(thumbnail), std::max<qsizetype>(1, thumbnail.sizeInBytes() / 1024));
    const auto it = std::find(rows_.begin(), rows_.end(), decision);
    if (it != rows_.end()) {
        const QModelIndex idx = index(int(it - rows_.begin()));
        emit dataChanged(idx, idx, {Qt::DecorationRole, Qt::ToolTipRole});
    }
}

bool ApplyGalleryModel::waitForThumbnails(int msecs)
{
    QDeadlineTimer deadline(msecs);
    while (!waiting_.isEmpty() && !deadline.hasExpired()) {
        pool_.waitForDone(20);
        QCoreApplication::processEvents();
    }
    return waiting_.isEmpty();
}

} // namespace oodlens::ui
