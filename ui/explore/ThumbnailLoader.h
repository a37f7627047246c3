// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/ResultMetaTypes.h"
#include "workspace/Workspace.h"

#include <QCache>
#include <QHash>
#include <QImage>
#include <QSize>
#include <QObject>
#include <QThreadPool>

#include <deque>
#include <memory>

namespace oodlens::ui {

class DatasetImages;

// Decodes images lazily on a private thread pool and keeps them in bounded caches: thumbnails for
// the gallery, scatter tooltips and disagreement rows, full-size images for the inspector.
// thumbnail()/image() return at once (a null image when not decoded yet) and queue the decode;
// thumbnailReady()/imageReady() follow through a queued signal. Requests are served newest first,
// and the queue is bounded, so scrolling fast through 100,000 images decodes what is on screen now,
// not what was on screen a second ago. Lives on the GUI thread.
class ThumbnailLoader : public QObject {
    Q_OBJECT

public:
    explicit ThumbnailLoader(QObject* parent = nullptr);
    ~ThumbnailLoader() override;

    void setResult(RunResultPtr result);
    RunResultPtr result() const { return result_; }

    // Longest side of a thumbnail in pixels (default 96); changing it empties the thumbnail cache.
    void setThumbnailSize(int pixels);
    int thumbnailSize() const { return thumbSize_; }
    // Bounds of the thumbnail cache in kilobytes (default 64 MiB) and of the waiting queue.
    void setCacheLimitKb(int kb) { thumbs_.setMaxCost(kb); }
    void setQueueLimit(int requests) { queueLimit_ = requests; }

    QImage thumbnail(const ImageRef& ref);
    // The inspector's image: at most kMaxImageSide pixels on its longer side (larger images are
    // downscaled once, on the worker; originalSize() gives their own size). Decoded once: an image
    // that does not fit the cache is still kept until another one is delivered.
    QImage image(const ImageRef& ref);
    static constexpr int kMaxImageSide = 2048;
    // The size of the file's image before downscaling (the image's own size when it was not).
    static QSize originalSize(const QImage& image);
    // How many decodes the loader has started (for tests: a shown image is decoded once).
    int decodesStarted() const { return decodes_; }
    // The error of a failed decode, empty otherwise (failed images are not retried until setResult).
    QString errorOf(const ImageRef& ref) const { return errors_.value(key(ref, false)); }

    int pending() const { return static_cast<int>(queue_.size()) + inFlight_; }
    void clearCache();
    // Shared decoder for work outside the loader (contact sheets on a worker thread).
    std::shared_ptr<const DatasetImages> images() const { return images_; }

Q_SIGNALS:
    void thumbnailReady(oodlens::ui::ImageRef ref);
    void imageReady(oodlens::ui::ImageRef ref);
    void failed(oodlens::ui::ImageRef ref, const QString& error);

private:
    struct Request {
        ImageRef ref;
        bool full = false;
    };
    static quint64 key(const ImageRef& ref, bool full)
    {
        return (static_cast<quint64>(ref.dataset) << 40) ^ (static_cast<quint64>(ref.row) << 1) ^ (full ? 1u : 0u);
    }
    QImage lookup(const ImageRef& ref, bool full);
    void dispatch();
    void deliver(quint64 generation, oodlens::ui::ImageRef ref, bool full, const QImage& image, const QString& error);

    RunResultPtr result_;
    std::shared_ptr<const DatasetImages> images_;
    quint64 generation_ = 0;
    int thumbSize_ = 96;
    QCache<quint64, QImage> thumbs_;
    QCache<quint64, QImage> full_;
    // The last full image delivered, whether or not it fit in full_.
    quint64 lastFullKey_ = ~quint64(0);
    QImage lastFull_;
    int decodes_ = 0;
    QHash<quint64, QString> errors_;
    std::deque<Request> queue_; // newest at the front
    QHash<quint64, bool> waiting_; // queued or in flight
    int queueLimit_ = 512;
    int inFlight_ = 0;
    QThreadPool pool_;
};

} // namespace oodlens::ui
