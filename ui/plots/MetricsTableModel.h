// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "run/Pipeline.h"

#include <QAbstractTableModel>

#include <vector>

namespace oodlens::ui {

// One row per (method, OOD set) of a run, metrics in percent. Sorting (through a proxy) uses
// SortRole, which holds the raw numbers rather than the formatted text.
class MetricsTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    // The metric columns are core's metricColumns(), in that order, from AurocColumn on.
    enum Column {
        MethodColumn,
        GroupColumn,
        OodColumn,
        AurocColumn,
        Fpr95IdColumn,
        Fpr95OodColumn,
        AuprInColumn,
        AuprOutColumn,
        ColumnCount
    };
    static constexpr int SortRole = Qt::UserRole;
    static constexpr int MethodIdRole = Qt::UserRole + 1;
    // Background of an AUROC below 50%: the score ranks OOD above ID on this data.
    static QColor reversedAurocColor();

    explicit MetricsTableModel(QObject* parent = nullptr);

    void setRows(std::vector<MetricsRow> rows);
    const std::vector<MetricsRow>& rows() const { return rows_; }
    // First row of `method`, or -1.
    int firstRowOf(const QString& method) const;
    // Whether the cell holds the best value of its column among the rows of the same OOD set
    // (highest AUROC / AUPR, lowest FPR); shown in bold, as in the exported tables.
    bool isBest(int row, int column) const;

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<MetricsRow> rows_;
    std::vector<std::vector<bool>> best_; // best_[row][metric column], core's bestPerOodSet
};

} // namespace oodlens::ui
