// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/Workspace.h"
#include "explore/Inspect.h"

#include <QAbstractTableModel>
#include <QPointer>

namespace oodlens::ui {

class ThumbnailLoader;

// Images where a gradient-based and a non-gradient score disagree most, from core
// findDisagreements(): ordered by the difference of their pooled normalised ranks, optionally only
// the images one method flags and the other accepts at the same ID TPR. One row per image, with
// its thumbnail in the first column.
class DisagreementModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { ImageColumn, ScoreA, ScoreB, RankA, RankB, RankDiff, Flags, ColumnCount };
    static constexpr int ImageRefRole = Qt::UserRole + 1;

    DisagreementModel(Workspace* session, ThumbnailLoader* loader, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // Recomputes from the session's result; an empty message on success.
    QString compute(const QString& methodA, const QString& methodB, bool flagConflictOnly, double tpr = 0.95,
                    int limit = 500);
    const DisagreementReport& report() const { return report_; }
    ImageRef imageAt(int row) const;
    int rowOf(const ImageRef& image) const;
    QString methodA() const { return methodA_; }
    QString methodB() const { return methodB_; }

private:
    QString label(const QString& method) const; // the method as the result names it
    QPointer<Workspace> session_;
    QPointer<ThumbnailLoader> loader_;
    QString methodA_, methodB_;
    DisagreementReport report_;
};

} // namespace oodlens::ui
