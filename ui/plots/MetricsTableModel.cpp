// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/MetricsTableModel.h"

#include "docks/MethodLabels.h"
#include "methods/Scores.h"
#include "metrics/MetricColumns.h"

#include <QColor>
#include <QFont>

#include <cmath>

namespace oodlens::ui {

namespace {

// The core metric column shown in table column `column`, or nullptr (method, group, OOD set).
const MetricColumn* metricColumn(int column)
{
    const int i = column - MetricsTableModel::AurocColumn;
    return i >= 0 && i < int(metricColumns().size()) ? &metricColumns()[std::size_t(i)] : nullptr;
}

double metricValue(const BinaryMetrics& m, int column)
{
    const MetricColumn* c = metricColumn(column);
    return c ? c->of(m) : NAN;
}

QString percent(double fraction)
{
    return std::isfinite(fraction) ? QString::number(fraction * 100.0, 'f', 2) : QStringLiteral("\u2013");
}

QString groupLabel(const std::string& method)
{
    const MethodInfo* info = findMethod(method);
    return info ? methodGroupShort(info->group) : QString();
}

Interval intervalOf(const BootstrapIntervals& b, int column)
{
    const MetricColumn* c = metricColumn(column);
    return c ? c->of(b) : Interval{};
}

bool isReversed(const BinaryMetrics& m)
{
    return m.auroc < 0.5;
}

} // namespace

QColor MetricsTableModel::reversedAurocColor()
{
    return QColor(0xF8, 0xC9, 0xC4);
}

MetricsTableModel::MetricsTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void MetricsTableModel::setRows(std::vector<MetricsRow> rows)
{
    beginResetModel();
    rows_ = std::move(rows);
    best_ = bestPerOodSet(rows_);
    endResetModel();
}

int MetricsTableModel::firstRowOf(const QString& method) const
{
    const std::string id = method.toStdString();
    for (std::size_t i = 0; i < rows_.size(); ++i)
        if (rows_[i].method == id)
            return static_cast<int>(i);
    return -1;
}

bool MetricsTableModel::isBest(int row, int column) const
{
    const int metric = column - AurocColumn;
    return row >= 0 && std::size_t(row) < best_.size() && metricColumn(column) &&
           best_[std::size_t(row)][std::size_t(metric)];
}

int MetricsTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int MetricsTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant MetricsTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount)
        return {};
    const MetricsRow& row = rows_[static_cast<std::size_t>(index.row())];
    const BinaryMetrics& m = row.metrics;
    const int column = index.column();
    const bool numeric = column >= AurocColumn;
    const bool reversedCell = column == AurocColumn && isReversed(m);

    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case MethodColumn: // core's label rule: "ExGrad (flipped)"
            return row.label.empty() ? methodDisplayLabel(row.method) : typesetMethodLabel(row.label);
        case GroupColumn:
            return groupLabel(row.method);
        case OodColumn:
            return QString::fromStdString(row.ood);
        default:
            if (row.hasIntervals) {
                const Interval ci = intervalOf(row.intervals, column);
                return QStringLiteral("%1 [%2, %3]")
                    .arg(percent(metricValue(m, column)), percent(ci.lo), percent(ci.hi));
            }
            return percent(metricValue(m, column));
        }
    case SortRole:
        if (numeric)
            return metricValue(m, column) * 100.0;
        return data(index, Qt::DisplayRole);
    case MethodIdRole:
        return QString::fromStdString(row.method);
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(numeric ? Qt::AlignRight | Qt::AlignVCenter : Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::BackgroundRole:
        if (reversedCell)
            return reversedAurocColor();
        return {};
    case Qt::ForegroundRole:
        if (reversedCell)
            return QColor(Qt::black); // readable on the light red in dark themes too
        return {};
    case Qt::FontRole: // bold means best and nothing else (a reversed AUROC has its colour)
        if (isBest(index.row(), column)) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case Qt::ToolTipRole: {
        if (column == MethodColumn) {
            const MethodInfo* info = findMethod(row.method);
            return info ? QStringLiteral("%1: %2").arg(QString::fromStdString(info->id),
                                                       QString::fromStdString(info->formula))
                        : QString();
        }
        if (!numeric)
            return {};
        QString tip = tr("%1 ID and %2 OOD scores").arg(m.n_id).arg(m.n_ood);
        if (isBest(index.row(), column))
            tip += tr("; best on %1 (bold)").arg(QString::fromStdString(row.ood));
        if (row.hasIntervals)
            tip += tr("; 95% bootstrap interval from %1 resamples (seed %2)")
                       .arg(row.intervals.resamples)
                       .arg(row.intervals.seed);
        if (m.nan_id + m.nan_ood > 0)
            tip += tr("; NaN scores left out: %1 ID, %2 OOD").arg(m.nan_id).arg(m.nan_ood);
        if (reversedCell)
            tip = tr("AUROC %1% is below 50%: %2 ranks %3 above the ID set, so its orientation "
                     "(higher = more ID) is reversed on this data; its flip parameter (Methods dock) "
                     "negates it.\n")
                      .arg(percent(m.auroc), data(index.siblingAtColumn(MethodColumn)).toString(),
                           QString::fromStdString(row.ood)) +
                  tip;
        return tip;
    }
    default:
        return {};
    }
}

QVariant MetricsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::DisplayRole) {
        switch (section) {
        case MethodColumn:
            return tr("Method");
        case GroupColumn:
            return tr("Group");
        case OodColumn:
            return tr("OOD set");
        default:
            if (const MetricColumn* c = metricColumn(section))
                return tr("%1 %").arg(QString::fromLatin1(c->label));
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case AurocColumn:
            return tr("Area under the ROC curve: the chance that a random ID image scores higher than a random OOD "
                      "image (ties count half). 50% is chance; below 50% (red) the score's orientation is reversed "
                      "on this data. Higher is better.");
        case Fpr95IdColumn:
            return tr("FPR at 95% TPR with ID as the positive class: the fraction of OOD images accepted as ID at "
                      "the threshold that keeps 95% of the ID images (convention of the ODIN, Energy and GradNorm "
                      "papers). Lower is better.");
        case Fpr95OodColumn:
            return tr("FPR at 95% TPR with OOD as the positive class: the fraction of ID images flagged as OOD at "
                      "the threshold that flags 95% of the OOD images (convention of OpenOOD v1.5). Lower is "
                      "better.");
        case AuprInColumn:
            return tr("Average precision with ID as the positive class, on the score as given. Higher is better.");
        case AuprOutColumn:
            return tr("Average precision with OOD as the positive class, on the negated score. Higher is better.");
        case GroupColumn:
            return tr("Gradient-based or not (methods that need a backward pass in their definition)");
        default:
            return {};
        }
    }
    return {};
}

} // namespace oodlens::ui
