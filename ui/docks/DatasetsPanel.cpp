// SPDX-License-Identifier: GPL-3.0-or-later
#include "docks/DatasetsPanel.h"

#include "datasets/Dataset.h"
#include "workspace/Workspace.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLocale>
#include <QPushButton>
#include <QScopeGuard>
#include <QTableWidget>
#include <QVBoxLayout>

namespace oodlens::ui {

namespace {

QString roleLabel(DatasetRole role)
{
    switch (role) {
    case DatasetRole::Id:
        return DatasetsPanel::tr("ID test");
    case DatasetRole::Ood:
        return DatasetsPanel::tr("OOD");
    case DatasetRole::Fit:
        return DatasetsPanel::tr("fit (ID train)");
    case DatasetRole::ValidationId:
        return DatasetsPanel::tr("validation ID");
    case DatasetRole::ValidationOod:
        return DatasetsPanel::tr("validation OOD");
    }
    return {};
}

} // namespace

DatasetsPanel::DatasetsPanel(Workspace* workspace, QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("datasetsPanel"));
    table_ = new QTableWidget(0, ColumnCount, this);
    table_->setObjectName(QStringLiteral("datasetsTable"));
    table_->setHorizontalHeaderLabels({tr("Name"), tr("Role"), tr("Group"), tr("Kind"), tr("Images"), tr("Skipped"), tr("Status")});
    table_->verticalHeader()->setVisible(false);
    // Only an OOD set's group cell is editable (its item flags say so).
    table_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                            QAbstractItemView::SelectedClicked);
    table_->horizontalHeaderItem(GroupColumn)
        ->setToolTip(tr("OOD sets only: a group such as near or far; the results table averages each group"));
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 6);
    add_ = new QPushButton(tr("Add\u2026"), this);
    add_->setToolTip(tr("Add an ID, OOD or fit dataset (Ctrl+D); you can also drop folders or files on the window"));
    remove_ = new QPushButton(tr("Remove"), this);
    remove_->setEnabled(false);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(add_);
    buttons->addWidget(remove_);
    buttons->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(table_, 1);
    layout->addLayout(buttons);

    connect(add_, &QPushButton::clicked, this, &DatasetsPanel::addRequested);
    connect(remove_, &QPushButton::clicked, workspace, [this, workspace]() {
        if (selectedRow() >= 0)
            workspace->removeDataset(selectedRow());
    });
    connect(workspace, &Workspace::configChanged, this, [this, workspace]() { setDatasets(workspace->config().datasets); });
    connect(table_, &QTableWidget::itemChanged, workspace, [this, workspace](QTableWidgetItem* item) {
        if (!filling_ && item->column() == GroupColumn)
            workspace->setDatasetGroup(item->row(), item->text());
    });
    connect(workspace, &Workspace::resultChanged, this, [this, workspace]() {
        // A partial result's pending sets say "not extracted yet"; their rows keep the run's progress.
        const RunResultPtr r = workspace->result();
        if (r && !r->partial)
            for (std::size_t i = 0; i < r->datasets.size(); ++i)
                setSummary(static_cast<int>(i), r->datasets[i]);
    });
    setDatasets(workspace->config().datasets);
    connect(table_, &QTableWidget::itemSelectionChanged, this, [this]() { remove_->setEnabled(selectedRow() >= 0); });
}

QString DatasetsPanel::key(const std::string& path, DatasetRole role)
{
    return QString::number(int(role)) + QLatin1Char('|') + QString::fromStdString(path);
}

QString DatasetsPanel::displayName(const DatasetSpec& spec)
{
    return QString::fromStdString(datasetLabel(spec));
}

void DatasetsPanel::setDatasets(const std::vector<DatasetSpec>& specs)
{
    specs_ = specs;
    std::map<QString, RowState> kept;
    for (const DatasetSpec& s : specs_) {
        const QString k = key(s.path, s.role);
        auto it = states_.find(k);
        kept[k] = it != states_.end() ? it->second : RowState();
    }
    states_ = std::move(kept);
    table_->setRowCount(static_cast<int>(specs_.size()));
    for (int r = 0; r < table_->rowCount(); ++r)
        updateRow(r);
}

void DatasetsPanel::updateRow(int row)
{
    const DatasetSpec& spec = specs_[std::size_t(row)];
    const RowState& st = states_[key(spec.path, spec.role)];
    filling_ = true; // what is set here is not an edit
    const auto done = qScopeGuard([this] { filling_ = false; });
    auto set = [this, row](int column, const QString& text, Qt::Alignment align = Qt::AlignLeft | Qt::AlignVCenter) {
        QTableWidgetItem* item = table_->item(row, column);
        if (!item) {
            item = new QTableWidgetItem;
            table_->setItem(row, column, item);
        }
        item->setText(text);
        item->setTextAlignment(align);
        return item;
    };
    set(NameColumn, displayName(spec))->setToolTip(QString::fromStdString(spec.path));
    set(RoleColumn, roleLabel(spec.role));
    QTableWidgetItem* group = set(GroupColumn, QString::fromStdString(spec.group));
    const Qt::ItemFlags fixed = Qt::ItemIsSelectable | Qt::ItemIsEnabled;
    group->setFlags(spec.role == DatasetRole::Ood ? fixed | Qt::ItemIsEditable : fixed);
    group->setToolTip(spec.role == DatasetRole::Ood ? tr("Double-click to set the group (near, far, ...)") : QString());
    const Qt::Alignment right = Qt::AlignRight | Qt::AlignVCenter;
    const bool known = st.done && !st.summary.kind.empty();
    set(KindColumn, known ? QString::fromStdString(st.summary.kind) : QString());
    set(ImagesColumn, known ? QLocale().toString(qulonglong(st.summary.items)) : QString(), right);
    QTableWidgetItem* skipped =
        set(SkippedColumn, known ? QLocale().toString(qulonglong(st.summary.skipped)) : QString(), right);
    skipped->setForeground(known && st.summary.skipped > 0 ? QColor(0xB3, 0x26, 0x1E)
                                                           : palette().color(QPalette::Text));
    QTableWidgetItem* status = set(StatusColumn, st.status);
    status->setToolTip(st.status);
    status->setForeground(st.error ? QColor(0xB3, 0x26, 0x1E) : palette().color(QPalette::Text));
    QFont font = status->font();
    font.setBold(st.error);
    status->setFont(font);
}

void DatasetsPanel::setSummary(int dataset, const DatasetSummary& summary)
{
    if (dataset < 0 || dataset >= rowCount())
        return;
    const int r = dataset;
    {
        const DatasetSpec& spec = specs_[std::size_t(r)];
        RowState& st = states_[key(spec.path, spec.role)];
        st.summary = summary;
        st.done = summary.error.empty() || !summary.kind.empty();
        st.error = !summary.error.empty() && summary.needed;
        if (!summary.error.empty())
            st.status = QString::fromStdString(summary.error);
        else if (summary.fromCache && summary.shards.size() > 1)
            st.status = tr("ready (%1 images, from %2 shards in the feature cache)").arg(summary.rows).arg(summary.shards.size());
        else if (summary.fromCache)
            st.status = tr("ready (%1 images, from the feature cache)").arg(summary.rows);
        else if (!summary.shards.empty())
            st.status = tr("ready (%1 images; shards missing from the cache were extracted here)").arg(summary.rows);
        else
            st.status = tr("ready (%1 images)").arg(summary.rows);
        if (summary.error.empty())
            st.done = true;
        updateRow(r);
    }
}

void DatasetsPanel::setProgress(int dataset, const QString& stage, qulonglong done, qulonglong total)
{
    if (!stage.startsWith(QStringLiteral("extracting ")) || total == 0)
        return;
    if (dataset < 0 || dataset >= rowCount())
        return;
    const int r = dataset;
    {
        const DatasetSpec& spec = specs_[std::size_t(r)];
        RowState& st = states_[key(spec.path, spec.role)];
        if (!st.clock.isValid())
            st.clock.start();
        st.eta.update(stage.toStdString(), done, total, st.clock.elapsed() / 1000.0);
        const std::string left = EtaEstimator::format(st.eta.secondsLeft());
        st.status = tr("extracting: %1%").arg(total ? 100 * done / total : 0);
        if (!left.empty())
            st.status += QStringLiteral(", ") + QString::fromStdString(left);
        st.error = false;
        updateRow(r);
        return;
    }
}

void DatasetsPanel::markQueued()
{
    for (int r = 0; r < rowCount(); ++r) {
        const DatasetSpec& spec = specs_[std::size_t(r)];
        RowState& st = states_[key(spec.path, spec.role)];
        if (st.done && !st.error && st.summary.error.empty())
            continue;
        st.status = tr("waiting for the run");
        st.error = false;
        st.eta.reset();
        st.clock.invalidate();
        updateRow(r);
    }
}

void DatasetsPanel::endRun(const QString& reason)
{
    for (int r = 0; r < rowCount(); ++r) {
        const DatasetSpec& spec = specs_[std::size_t(r)];
        RowState& st = states_[key(spec.path, spec.role)];
        if (st.done || st.error)
            continue;
        st.status = reason;
        updateRow(r);
    }
}

int DatasetsPanel::rowCount() const
{
    return table_->rowCount();
}

QString DatasetsPanel::text(int row, Column column) const
{
    const QTableWidgetItem* item = table_->item(row, column);
    return item ? item->text() : QString();
}

int DatasetsPanel::selectedRow() const
{
    const QList<QTableWidgetSelectionRange> ranges = table_->selectedRanges();
    return ranges.isEmpty() ? -1 : ranges.first().topRow();
}

} // namespace oodlens::ui
