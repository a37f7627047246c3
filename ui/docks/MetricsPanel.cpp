// SPDX-License-Identifier: GPL-3.0-or-later
#include "docks/MetricsPanel.h"

#include "plots/MetricsTableModel.h"
#include "workspace/Workspace.h"

#include <QAction>
#include <QHeaderView>
#include <QSortFilterProxyModel>

#include <algorithm>

namespace oodlens::ui {

MetricsPanel::MetricsPanel(Workspace* workspace, QWidget* parent)
    : QTableView(parent), workspace_(workspace), model_(new MetricsTableModel(this)),
      proxy_(new QSortFilterProxyModel(this))
{
    setObjectName(QStringLiteral("metricsView"));
    proxy_->setSourceModel(model_);
    proxy_->setSortRole(MetricsTableModel::SortRole);
    setModel(proxy_);
    setSortingEnabled(true);
    sortByColumn(-1, Qt::AscendingOrder); // run order until the user sorts
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setAlternatingRowColors(true);
    verticalHeader()->setVisible(false);
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    horizontalHeader()->setStretchLastSection(false);
    setContextMenuPolicy(Qt::ActionsContextMenu);
    copy_ = new QAction(tr("&Copy as text"), this);
    copy_->setShortcut(QKeySequence::Copy);
    copy_->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addAction(copy_);

    connect(selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
        if (current.isValid())
            workspace_->setCurrentMethod(current.data(MetricsTableModel::MethodIdRole).toString());
    });
    connect(workspace_, &Workspace::resultChanged, this, [this]() {
        const RunResultPtr r = workspace_->result();
        model_->setRows(r ? r->metrics : std::vector<MetricsRow>{});
        selectRowOf(workspace_->currentMethod());
    });
    connect(workspace_, &Workspace::currentMethodChanged, this, &MetricsPanel::selectRowOf);
}

void MetricsPanel::selectRowOf(const QString& method)
{
    const QModelIndex current = currentIndex();
    if (current.isValid() && current.data(MetricsTableModel::MethodIdRole).toString() == method)
        return;
    const int row = model_->firstRowOf(method);
    if (row < 0)
        return;
    const QModelIndex target = proxy_->mapFromSource(model_->index(row, 0));
    setCurrentIndex(target);
    scrollTo(target);
}

QString MetricsPanel::metricsText() const
{
    QStringList lines;
    QStringList header;
    for (int c = 0; c < model_->columnCount(); ++c)
        header << model_->headerData(c, Qt::Horizontal).toString();
    lines << header.join(QLatin1Char('\t'));
    QList<int> rows;
    for (const QModelIndex& index : selectionModel()->selectedRows())
        rows << index.row();
    if (rows.size() <= 1) {
        rows.clear();
        for (int r = 0; r < proxy_->rowCount(); ++r)
            rows << r;
    }
    std::sort(rows.begin(), rows.end());
    for (int r : rows) {
        QStringList cells;
        for (int c = 0; c < proxy_->columnCount(); ++c)
            cells << proxy_->index(r, c).data().toString();
        lines << cells.join(QLatin1Char('\t'));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

} // namespace oodlens::ui
