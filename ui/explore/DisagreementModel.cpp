// SPDX-License-Identifier: GPL-3.0-or-later
#include "explore/DisagreementModel.h"

#include "common/Error.h"
#include "docks/MethodLabels.h"
#include "explore/ThumbnailLoader.h"

#include <cmath>

namespace oodlens::ui {

DisagreementModel::DisagreementModel(Workspace* session, ThumbnailLoader* loader, QObject* parent)
    : QAbstractTableModel(parent), session_(session), loader_(loader)
{
    connect(session, &Workspace::resultChanged, this, [this] {
        beginResetModel();
        report_ = DisagreementReport();
        endResetModel();
    });
    if (loader)
        connect(loader, &ThumbnailLoader::thumbnailReady, this, [this](const ImageRef& ref) {
            const int row = rowOf(ref);
            if (row >= 0)
                emit dataChanged(index(row, ImageColumn), index(row, ImageColumn), {Qt::DecorationRole});
        });
}

int DisagreementModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(report_.rows.size());
}

int DisagreementModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

ImageRef DisagreementModel::imageAt(int row) const
{
    if (row < 0 || static_cast<std::size_t>(row) >= report_.rows.size())
        return {};
    const ImageIndex& i = report_.rows[static_cast<std::size_t>(row)].image;
    return {static_cast<int>(i.dataset), static_cast<int>(i.row)};
}

int DisagreementModel::rowOf(const ImageRef& image) const
{
    for (std::size_t i = 0; i < report_.rows.size(); ++i)
        if (static_cast<int>(report_.rows[i].image.dataset) == image.dataset &&
            static_cast<int>(report_.rows[i].image.row) == image.row)
            return static_cast<int>(i);
    return -1;
}

QString DisagreementModel::compute(const QString& methodA, const QString& methodB, bool flagConflictOnly, double tpr,
                                   int limit)
{
    beginResetModel();
    report_ = DisagreementReport();
    methodA_ = methodA;
    methodB_ = methodB;
    QString error;
    const RunResultPtr r = session_ ? session_->result() : nullptr;
    if (!r || r->idIndex < 0) {
        error = tr("no result");
    } else {
        const auto a = r->scores.find(methodA.toStdString());
        const auto b = r->scores.find(methodB.toStdString());
        if (a == r->scores.end() || b == r->scores.end()) {
            error = tr("both methods must have been scored");
        } else {
            // Only the ID and OOD sets take part; the fit set is not a test set.
            std::vector<std::vector<double>> sa(r->datasets.size()), sb(r->datasets.size());
            std::vector<std::size_t> sets(r->oodIndices);
            sets.push_back(static_cast<std::size_t>(r->idIndex));
            for (std::size_t d : sets) {
                sa[d] = a->second[d];
                sb[d] = b->second[d];
            }
            try {
                report_ = findDisagreements(sa, sb, static_cast<std::size_t>(r->idIndex), tpr, flagConflictOnly,
                                            static_cast<std::size_t>(std::max(0, limit)));
            } catch (const Error& e) {
                error = QString::fromStdString(e.what());
            }
        }
    }
    endResetModel();
    return error;
}

QString DisagreementModel::label(const QString& method) const
{
    // As the result names it: "ExGrad (flipped)" when its flip is set.
    const RunResultPtr r = session_ ? session_->result() : nullptr;
    return r ? methodDisplayLabel(method.toStdString(), r->params) : methodDisplayLabel(method.toStdString());
}

QVariant DisagreementModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    const QString a = label(methodA_), b = label(methodB_);
    switch (section) {
    case ImageColumn:
        return tr("Image");
    case ScoreA:
        return a;
    case ScoreB:
        return b;
    case RankA:
        return tr("rank %1").arg(a);
    case RankB:
        return tr("rank %1").arg(b);
    case RankDiff:
        return tr("rank difference");
    case Flags:
        return tr("flagged at %1% ID TPR").arg(100 * report_.tpr, 0, 'g', 3);
    default:
        return {};
    }
}

QVariant DisagreementModel::data(const QModelIndex& index, int role) const
{
    const ImageRef ref = imageAt(index.row());
    if (!index.isValid() || !ref.isValid())
        return {};
    const Disagreement& x = report_.rows[static_cast<std::size_t>(index.row())];
    if (role == ImageRefRole)
        return QVariant::fromValue(ref);
    if (role == Qt::DecorationRole && index.column() == ImageColumn)
        return loader_ ? QVariant(loader_->thumbnail(ref)) : QVariant();
    if (role == Qt::TextAlignmentRole && index.column() != ImageColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    const RunResultPtr r = session_ ? session_->result() : nullptr;
    switch (index.column()) {
    case ImageColumn:
        return r ? QStringLiteral("%1 #%2").arg(QString::fromStdString(r->datasets[x.image.dataset].name)).arg(ref.row)
                 : QString();
    case ScoreA:
        return QString::number(x.scoreA, 'g', 5);
    case ScoreB:
        return QString::number(x.scoreB, 'g', 5);
    case RankA:
        return QString::number(x.rankA, 'f', 3);
    case RankB:
        return QString::number(x.rankB, 'f', 3);
    case RankDiff:
        return QString::number(x.rankDiff, 'f', 3);
    case Flags:
        if (x.flaggedA == x.flaggedB)
            return x.flaggedA ? tr("both") : tr("neither");
        return tr("only %1").arg(label(x.flaggedA ? methodA_ : methodB_));
    default:
        return {};
    }
}

} // namespace oodlens::ui
