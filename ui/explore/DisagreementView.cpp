// SPDX-License-Identifier: GPL-3.0-or-later
#include "explore/DisagreementView.h"

#include "explore/FlowLayout.h"

#include "explore/DisagreementModel.h"
#include "docks/MethodLabels.h"
#include "methods/Scores.h"
#include "explore/ThumbnailLoader.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

namespace oodlens::ui {

DisagreementView::DisagreementView(Workspace* session, ThumbnailLoader* loader, QWidget* parent)
    : QWidget(parent), session_(session)
{
    model_ = new DisagreementModel(session, loader, this);
    a_ = new QComboBox(this);
    a_->setToolTip(tr("Gradient-based score"));
    b_ = new QComboBox(this);
    b_->setToolTip(tr("Non-gradient score"));
    criterion_ = new QComboBox(this);
    // As wide as a short label, not the longest item (the popup shows it whole).
    criterion_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    criterion_->setMinimumContentsLength(16);
    criterion_->addItem(tr("largest rank difference"), false);
    criterion_->addItem(tr("flagged by one, accepted by the other (95% ID TPR)"), true);
    info_ = new QLabel(this);
    table_ = new QTableView(this);
    table_->setModel(model_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    const int thumb = loader ? loader->thumbnailSize() : 96;
    table_->setIconSize(QSize(thumb / 2, thumb / 2));
    table_->verticalHeader()->setDefaultSectionSize(thumb / 2 + 4);
    table_->horizontalHeader()->setStretchLastSection(true);

    // Wrapping onto more rows when narrow; "vs" stays with the second method.
    auto* controls = new FlowLayout;
    controls->addWidget(a_);
    auto* versus = new QWidget(this);
    auto* versusLayout = new QHBoxLayout(versus);
    versusLayout->setContentsMargins(0, 0, 0, 0);
    versusLayout->addWidget(new QLabel(tr("vs"), versus));
    versusLayout->addWidget(b_);
    controls->addWidget(versus);
    controls->addWidget(criterion_);
    // The summary on its own wrapped line, so that the view fits beside the inspector.
    info_->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(info_);
    layout->addWidget(table_, 1);

    for (QComboBox* c : {a_, b_, criterion_})
        connect(c, &QComboBox::currentIndexChanged, this, &DisagreementView::recompute);
    connect(table_, &QTableView::clicked, this, [this](const QModelIndex& index) {
        if (session_)
            session_->setCurrentImage(model_->imageAt(index.row()));
    });
    connect(session, &Workspace::resultChanged, this, &DisagreementView::rebuildControls);
    connect(session, &Workspace::currentImageChanged, this, &DisagreementView::highlightCurrent);
    rebuildControls();
}

void DisagreementView::rebuildControls()
{
    const RunResultPtr r = session_ ? session_->result() : nullptr;
    {
        const QSignalBlocker b1(a_), b2(b_);
        a_->clear();
        b_->clear();
        if (r)
            for (const std::string& m : r->methods) {
                const MethodInfo* info = findMethod(m);
                if (!info)
                    continue;
                (info->group == MethodGroup::Gradient ? a_ : b_)->addItem(methodDisplayLabel(m, r->params), QString::fromStdString(m));
            }
        for (const std::string& preferred : comparisonMethods())
            if (b_->findData(QString::fromStdString(preferred)) >= 0) {
                b_->setCurrentIndex(b_->findData(QString::fromStdString(preferred)));
                break;
            }
    }
    recompute();
}

void DisagreementView::setMethods(const QString& gradient, const QString& other)
{
    const QSignalBlocker b1(a_), b2(b_);
    a_->setCurrentIndex(a_->findData(gradient));
    b_->setCurrentIndex(b_->findData(other));
    recompute();
}

void DisagreementView::setFlagConflictOnly(bool on)
{
    criterion_->setCurrentIndex(on ? 1 : 0);
}

void DisagreementView::recompute()
{
    if (a_->currentIndex() < 0 || b_->currentIndex() < 0) {
        model_->compute(QString(), QString(), false);
        info_->setText(tr("needs a gradient-based and a non-gradient score"));
        return;
    }
    const QString error =
        model_->compute(a_->currentData().toString(), b_->currentData().toString(), criterion_->currentData().toBool());
    info_->setText(error.isEmpty() ? tr("%n image(s)", nullptr, model_->rowCount()) : error);
    table_->resizeColumnsToContents();
    highlightCurrent();
}

void DisagreementView::highlightCurrent()
{
    const int row = session_ ? model_->rowOf(session_->currentImage()) : -1;
    if (row < 0) {
        table_->clearSelection();
        return;
    }
    table_->selectRow(row);
    table_->scrollTo(model_->index(row, 0));
}

} // namespace oodlens::ui
