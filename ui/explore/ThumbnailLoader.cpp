// SPDX-License-Identifier: GPL-3.0-or-later
#include "explore/ThumbnailLoader.h"

#include "explore/DatasetImages.h"

#include <QMetaObject>
#include <QStringList>
#include <QThread>

#include <exception>

namespace oodlens::ui {

ThumbnailLoader::ThumbnailLoader(QObject* parent) : QObject(parent)
{
    qRegisterMetaType<ImageRef>("oodlens::ui::ImageRef");
    thumbs_.setMaxCost(64 * 1024);
    full_.setMaxCost(64 * 1024);
    // Leave a core to the GUI thread; decoding is I/O and CPU bound.
    pool_.setMaxThreadCount(qMax(1, QThread::idealThreadCount() - 1));
}

ThumbnailLoader::~ThumbnailLoader()
{
    queue_.clear();
    pool_.waitForDone(); // tasks call back into this object
}

void ThumbnailLoader::setResult(RunResultPtr result)
{
    result_ = std::move(result);
    images_ = std::make_shared<DatasetImages>(result_);
    ++generation_; // results of tasks in flight are dropped on arrival
    queue_.clear();
    waiting_.clear();
    clearCache();
}

void ThumbnailLoader::setThumbnailSize(int pixels)
{
    if (pixels == thumbSize_ || pixels <= 0)
        return;
    thumbSize_ = pixels;
    ++generation_;
    queue_.clear();
    waiting_.clear();
    thumbs_.clear();
}

void ThumbnailLoader::clearCache()
{
    thumbs_.clear();
    full_.clear();
    errors_.clear();
    lastFull_ = QImage();
    lastFullKey_ = ~quint64(0);
}

namespace {
const char* const kOriginalSizeKey = "oodlens-original-size";
}

QSize ThumbnailLoader::originalSize(const QImage& image)
{
    const QStringList wh = image.text(QString::fromLatin1(kOriginalSizeKey)).split(QLatin1Char('x'));
    if (wh.size() == 2)
        return QSize(wh[0].toInt(), wh[1].toInt());
    return image.size();
}

QImage ThumbnailLoader::thumbnail(const ImageRef& ref)
{
    return lookup(ref, false);
}

QImage ThumbnailLoader::image(const ImageRef& ref)
{
    return lookup(ref, true);
}

QImage ThumbnailLoader::lookup(const ImageRef& ref, bool full)
{
    if (!result_ || !ref.isValid())
        return {};
    const quint64 k = key(ref, full);
    if (const QImage* hit = (full ? full_ : thumbs_).object(k))
        return *hit;
    if (full && k == lastFullKey_ && !lastFull_.isNull())
        return lastFull_;
    if (errors_.contains(key(ref, false)) || waiting_.contains(k)) {
        // Already waiting: move it to the front so that what is asked for now comes first.
        for (auto it = queue_.begin(); it != queue_.end(); ++it)
            if (it->ref == ref && it->full == full && it != queue_.begin()) {
                const Request r = *it;
                queue_.erase(it);
                queue_.push_front(r);
                break;
            }
        return {};
    }
    waiting_.insert(k, true);
    queue_.push_front({ref, full});
    while (static_cast<int>(queue_.size()) > queueLimit_) {
        waiting_.remove(key(queue_.back().ref, queue_.back().full));
        queue_.pop_back();
    }
    dispatch();
    return {};
}

void ThumbnailLoader::dispatch()
{
    while (!queue_.empty() && inFlight_ < pool_.maxThreadCount()) {
        const Request r = queue_.front();
        queue_.pop_front();
        ++inFlight_;
        ++decodes_;
        const std::shared_ptr<const DatasetImages> images = images_;
        const quint64 generation = generation_;
        const int size = thumbSize_;
        pool_.start([this, images, generation, size, r] {
            QImage out;
            QString error;
            try {
                out = images->image(r.ref);
                if (r.full && (out.width() > kMaxImageSide || out.height() > kMaxImageSide)) {
                    // A photo of 6000 x 4000 (72 MB) would not fit the cache: shown downscaled.
                    const QSize own = out.size();
                    out = out.scaled(kMaxImageSide, kMaxImageSide, Qt::KeepAspectRatio, Qt::SmoothTransformation);
                    out.setText(QString::fromLatin1(kOriginalSizeKey),
                                QStringLiteral("%1x%2").arg(own.width()).arg(own.height()));
                } else if (!r.full) {
                    // Upscale small images (MNIST, CIFAR) without blur; downscale smoothly.
                    const bool up = out.width() < size && out.height() < size;
                    out = out.scaled(size, size, Qt::KeepAspectRatio,
                                     up ? Qt::FastTransformation : Qt::SmoothTransformation);
                }
            } catch (const std::exception& e) {
                error = QString::fromStdString(e.what());
            }
            QMetaObject::invokeMethod(
                this, [this, generation, r, out, error] { deliver(generation, r.ref, r.full, out, error); },
                Qt::QueuedConnection);
        });
    }
}

void ThumbnailLoader::deliver(quint64 generation, ImageRef ref, bool full, const QImage& image, const QString& error)
{
    --inFlight_;
    if (generation == generation_) {
        const quint64 k = key(ref, full);
        waiting_.remove(k);
        if (!error.isEmpty()) {
            errors_.insert(key(ref, false), error);
            emit failed(ref, error);
        } else if (full) {
            // Kept even when the cache refuses it (larger than its bound), so that the inspector's
            // next image() finds it instead of decoding it again.
            lastFull_ = image;
            lastFullKey_ = k;
            full_.insert(k, new QImage(image), qMax<qsizetype>(1, image.sizeInBytes() / 1024));
            emit imageReady(ref);
        } else {
            thumbs_.insert(k, new QImage(image), qMax<qsizetype>(1, image.sizeInBytes() / 1024));
            emit thumbnailReady(ref);
        }
    }
    dispatch();
}

} // namespace oodlens::ui
