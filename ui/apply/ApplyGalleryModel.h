// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "detector/Apply.h"

#include <QAbstractListModel>
#include <QCache>
#include <QImage>
#include <QSet>
#include <QThreadPool>

#include <memory>
#include <string>
#include <vector>

namespace oodlens::ui {

class AppliedImages;

// The images a detector was applied to, as a gallery: the decisions of one filter (flagged, the
// default; accepted; unreadable; all), flagged and accepted ones from the lowest score up (the
// least ID-like first, and the accepted nearest the threshold first), thumbnails decoded lazily
// on a private pool and kept in a bounded cache. Lives on the GUI thread.
class ApplyGalleryModel : public QAbstractListModel {
    Q_OBJECT

public:
    enum class Filter { Flagged, Accepted, Unreadable, All };
    enum Role { ScoreRole = Qt::UserRole + 1, PathRole, DecisionRole };

    explicit ApplyGalleryModel(QObject* parent = nullptr);
    ~ApplyGalleryModel() override;

    // The decisions of one apply, the sources they index and the bound on decoded pixels.
    void setDecisions(std::vector<ApplyDecision> decisions, std::vector<std::string> sources, std::uint64_t maxPixels);
    void clear();
    void setFilter(Filter filter);
    Filter filter() const { return filter_; }
    const std::vector<ApplyDecision>& decisions() const { return decisions_; }
    // The decision behind a row of the current filter.
    const ApplyDecision& decisionAt(int row) const { return decisions_[std::size_t(rows_[std::size_t(row)])]; }
    // The decisions of the current filter in the gallery's order.
    std::vector<const ApplyDecision*> shown() const;

    void setThumbnailSize(int pixels);
    int thumbnailSize() const { return thumbSize_; }
    // Thumbnail decodes started (tests: what is shown is decoded once).
    int decodesStarted() const { return decodes_; }
    bool waitForThumbnails(int msecs);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;

private:
    void rebuildRows();
    void deliver(quint64 generation, int decision, const QImage& thumbnail, const QString& error);

    std::vector<ApplyDecision> decisions_;
    std::vector<int> rows_;
    Filter filter_ = Filter::Flagged;
    std::shared_ptr<AppliedImages> images_;
    int thumbSize_ = 72;
    quint64 generation_ = 0;
    mutable QCache<int, QImage> thumbs_;
    mutable QSet<int> waiting_;
    mutable QHash<int, QString> errors_;
    mutable int decodes_ = 0;
    mutable QThreadPool pool_;
};

} // namespace oodlens::ui
