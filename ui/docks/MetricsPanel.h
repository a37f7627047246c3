// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <QString>
#include <QTableView>

class QAction;
class QSortFilterProxyModel;

namespace oodlens::ui {

class MetricsTableModel;
class Workspace;

// The metrics dock: one row per (method, OOD set) of the Workspace's result, sortable, the best
// value per OOD set in bold. Its current row follows the Workspace's current method, and picking
// a row makes that method current. Ctrl+C (copyAction) copies the selected rows, or all, as text.
class MetricsPanel : public QTableView {
    Q_OBJECT

public:
    explicit MetricsPanel(Workspace* workspace, QWidget* parent = nullptr);

    MetricsTableModel* metricsModel() const { return model_; }
    QAction* copyAction() const { return copy_; }
    // The table as tab-separated text: the header, then the selected rows when more than one is
    // selected, else every row, in the order shown.
    QString metricsText() const;

private:
    void selectRowOf(const QString& method);

    Workspace* workspace_;
    MetricsTableModel* model_;
    QSortFilterProxyModel* proxy_;
    QAction* copy_;
};

} // namespace oodlens::ui
