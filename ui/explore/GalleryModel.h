// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/Workspace.h"
#include "explore/Inspect.h"

#include <QAbstractListModel>
#include <QPointer>

#include <vector>

namespace oodlens::ui {

class ThumbnailLoader;

// The images of a result as a flat, sorted, filtered list: one row per image, nothing decoded up
// front. The order and the filters come from core selectImages(); thumbnails are asked of the
// loader only for the rows a view paints, so 100,000 rows cost a vector of indices.
// Follows the session: the current method (sort key unless one is chosen), the threshold (flag
// filter and flag marks), the selection (the "selection only" filter) and the current image.
class GalleryModel : public QAbstractListModel {
    Q_OBJECT

public:
    enum Role {
        ImageRefRole = Qt::UserRole + 1, // QVariant<ImageRef>
        ScoreRole,                       // double: the sort score
        RankRole,                        // int: 1-based position in the current order
        FlaggedRole,                     // bool: flagged at the session's threshold
        CurrentRole,                     // bool: the session's current image
        DatasetNameRole,                 // QString
        CaptionRole,                     // QString: the predicted class, by name when known
        WrongRole,                       // bool: an ID class label the prediction misses
    };

    GalleryModel(Workspace* session, ThumbnailLoader* loader, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role) const override;

    // Sort key: a method id, or empty to follow the session's current method.
    void setSortMethod(const QString& method);
    QString sortMethod() const;
    void setAscending(bool ascending);
    bool ascending() const { return ascending_; }
    // -1: every dataset.
    void setDatasetFilter(int dataset);
    // Only images whose label is this ID class (RunResult::isIdClassLabel: OOD images never pass).
    void setTrueClassFilter(int cls);
    void setPredictedClassFilter(int cls);
    void setFlagFilter(FlagFilter flag);
    void setSelectionOnly(bool on);
    bool selectionOnly() const { return selectionOnly_; }

    ImageRef imageAt(int row) const;
    // Row of an image in the current order, or -1 when filtered out.
    int rowOf(const ImageRef& image) const;
    const std::vector<ImageIndex>& order() const { return order_; }
    // Predicted class of every row of dataset d (computed once per result).
    const std::vector<int>& predictionsOf(std::size_t d) const;

public Q_SLOTS:
    void refresh();

private:
    void onResultChanged();
    void onCurrentImageChanged(const ImageRef& image);
    void onThumbnailReady(const ImageRef& image);
    double scoreOf(const ImageIndex& image) const;
    int rowPrediction(const ImageRef& image) const; // -1 when unknown

    QPointer<Workspace> session_;
    QPointer<ThumbnailLoader> loader_;
    QString sortMethod_;
    bool ascending_ = false;
    int dataset_ = -1;
    int trueClass_ = -1;
    int predictedClass_ = -1;
    FlagFilter flag_ = FlagFilter::Any;
    bool selectionOnly_ = false;
    std::vector<ImageIndex> order_;
    std::vector<std::vector<int>> position_;    // [dataset][row] -> model row or -1
    std::vector<std::vector<int>> predictions_; // [dataset][row]
    std::vector<std::vector<int>> labels_;      // [dataset][row]: ID class labels, -1 for any other
    ImageRef current_;
};

} // namespace oodlens::ui
