// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/Workspace.h"

#include <QPointer>
#include <QWidget>

class QComboBox;
class QLabel;
class QTableView;

namespace oodlens::ui {

class DisagreementModel;
class ThumbnailLoader;

// The disagreement finder: a gradient-based score, a non-gradient score and the criterion (rank
// difference, or flagged by one and accepted by the other at matched 95% ID TPR) above the table
// of images. Clicking a row makes that image the session's current image.
class DisagreementView : public QWidget {
    Q_OBJECT

public:
    DisagreementView(Workspace* session, ThumbnailLoader* loader, QWidget* parent = nullptr);

    DisagreementModel* model() const { return model_; }
    QTableView* table() const { return table_; }
    void setMethods(const QString& gradient, const QString& other);
    void setFlagConflictOnly(bool on);

public Q_SLOTS:
    void recompute();

private:
    void rebuildControls();
    void highlightCurrent();

    QPointer<Workspace> session_;
    DisagreementModel* model_ = nullptr;
    QTableView* table_ = nullptr;
    QComboBox* a_ = nullptr;
    QComboBox* b_ = nullptr;
    QComboBox* criterion_ = nullptr;
    QLabel* info_ = nullptr;
};

} // namespace oodlens::ui
