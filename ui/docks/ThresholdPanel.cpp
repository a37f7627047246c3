// SPDX-License-Identifier: GPL-3.0-or-later
#include "docks/ThresholdPanel.h"

#include "workspace/Workspace.h"
#include "plots/OkabeIto.h"
#include "metrics/ThresholdPresets.h"

#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <cmath>

namespace oodlens::ui {

namespace {

QString percent(double fraction)
{
    return QString::number(fraction * 100.0, 'f', 2) + QLatin1Char('%');
}

QTableWidgetItem* numberItem(std::size_t n)
{
    auto* item = new QTableWidgetItem(QLocale().toString(qulonglong(n)));
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

} // namespace

ThresholdPanel::ThresholdPanel(Workspace* session, QWidget* parent) : QWidget(parent), session_(session)
{
    setObjectName(QStringLiteral("thresholdPanel"));
    value_ = new QLineEdit(this);
    value_->setObjectName(QStringLiteral("thresholdValue"));
    value_->setToolTip(tr("Accept an image as ID when its score is at least this value (Enter applies). "
                          "Drag the dashed line on the histogram, or Shift+click there, to move it."));
    value_->setClearButtonEnabled(false);
    tpr95_ = new QPushButton(tr("95% ID TPR"), this);
    tpr95_->setToolTip(tr("The threshold that keeps 95% of the ID images (the FPR@95 operating point)"));
    youden_ = new QPushButton(tr("Youden's J"), this);
    youden_->setToolTip(tr("The threshold maximising TPR \u2212 FPR (ID positive), all OOD sets pooled"));
    fpr_ = new QDoubleSpinBox(this);
    fpr_->setRange(0.0, 100.0);
    fpr_->setDecimals(1);
    fpr_->setSingleStep(1.0);
    fpr_->setValue(5.0);
    fpr_->setSuffix(QStringLiteral(" %"));
    fpr_->setToolTip(tr("Largest fraction of OOD images (all OOD sets pooled) you accept as ID"));
    atFpr_ = new QPushButton(tr("At FPR"), this);
    atFpr_->setToolTip(tr("The threshold with the highest ID TPR whose FPR (OOD accepted) is at most this value"));

    ratesLabel_ = new QLabel(this);
    ratesLabel_->setObjectName(QStringLiteral("thresholdRates"));
    ratesLabel_->setTextFormat(Qt::RichText);
    ratesLabel_->setWordWrap(true);
    ratesLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    hint_ = new QLabel(this);
    hint_->setWordWrap(true);
    hint_->setStyleSheet(QStringLiteral("QLabel { color: palette(mid); }"));

    counts_ = new QTableWidget(0, 4, this);
    counts_->setObjectName(QStringLiteral("thresholdCounts"));
    counts_->setHorizontalHeaderLabels({tr("Dataset"), tr("Accepted"), tr("Flagged"), tr("Flagged")});
    counts_->verticalHeader()->setVisible(false);
    counts_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    counts_->setSelectionMode(QAbstractItemView::NoSelection);
    counts_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    counts_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    counts_->horizontalHeaderItem(1)->setToolTip(tr("Images accepted as ID (score \u2265 threshold)"));
    counts_->horizontalHeaderItem(2)->setToolTip(tr("Images flagged as OOD (score < threshold, or NaN)"));
    counts_->horizontalHeaderItem(3)->setToolTip(tr("Share of the dataset flagged as OOD"));
    counts_->setMaximumHeight(counts_->verticalHeader()->defaultSectionSize() * 6 + 8);
    counts_->verticalHeader()->setDefaultSectionSize(counts_->fontMetrics().height() + 6);

    auto* form = new QFormLayout;
    form->addRow(tr("Threshold:"), value_);
    auto* presets = new QHBoxLayout;
    presets->addWidget(tpr95_);
    presets->addWidget(youden_);
    presets->addStretch(1);
    form->addRow(tr("Presets:"), presets);
    auto* fprRow = new QHBoxLayout;
    fprRow->addWidget(fpr_);
    fprRow->addWidget(atFpr_);
    fprRow->addStretch(1);
    form->addRow(tr("FPR (ID+):"), fprRow);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(ratesLabel_);
    layout->addWidget(counts_);
    layout->addWidget(hint_);
    layout->addStretch(1);

    connect(value_, &QLineEdit::returnPressed, this, &ThresholdPanel::applyTyped);
    connect(tpr95_, &QPushButton::clicked, this, &ThresholdPanel::applyTpr95);
    connect(youden_, &QPushButton::clicked, this, &ThresholdPanel::applyYouden);
    connect(atFpr_, &QPushButton::clicked, this, &ThresholdPanel::applyFpr);
    connect(session_, &Workspace::resultChanged, this, [this]() {
        rebuildTable();
        refresh();
    });
    connect(session_, &Workspace::currentMethodChanged, this, &ThresholdPanel::refresh);
    connect(session_, &Workspace::thresholdChanged, this, &ThresholdPanel::refresh);
    rebuildTable();
    refresh();
}

void ThresholdPanel::rebuildTable()
{
    const RunResultPtr result = session_->result();
    counts_->setRowCount(0);
    if (!result)
        return;
    std::vector<std::size_t> rows;
    if (result->idIndex >= 0)
        rows.push_back(static_cast<std::size_t>(result->idIndex));
    rows.insert(rows.end(), result->oodIndices.begin(), result->oodIndices.end());
    counts_->setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < int(rows.size()); ++r) {
        const DatasetSummary& d = result->datasets[rows[std::size_t(r)]];
        const bool isId = int(rows[std::size_t(r)]) == result->idIndex;
        auto* name = new QTableWidgetItem((isId ? tr("ID: %1") : tr("OOD: %1")).arg(QString::fromStdString(d.name)));
        name->setData(Qt::UserRole, qulonglong(rows[std::size_t(r)]));
        name->setForeground(datasetColor(r).darker(115));
        counts_->setItem(r, 0, name);
    }
}

void ThresholdPanel::refresh()
{
    const RunResultPtr result = session_->result();
    const ThresholdIndex& index = session_->currentThresholdIndex();
    const bool scored = result && session_->hasScores(session_->currentMethod());
    const bool ready = scored && !index.empty() && result->idIndex >= 0;
    for (QWidget* w : std::initializer_list<QWidget*>{value_, tpr95_, youden_, atFpr_, fpr_})
        w->setEnabled(ready);
    rates_.clear();
    accepted_.assign(result ? result->datasets.size() : 0, 0);
    flagged_.assign(accepted_.size(), 0);
    if (!ready) {
        value_->clear();
        ratesLabel_->setText(result && !scored ? tr("<i>The current method has no scores in this result.</i>")
                                               : tr("<i>Run the analysis to set a threshold.</i>"));
        hint_->clear();
        for (int r = 0; r < counts_->rowCount(); ++r)
            for (int c = 1; c < 4; ++c)
                counts_->setItem(r, c, new QTableWidgetItem);
        return;
    }
    const double t = session_->threshold();
    if (!value_->hasFocus())
        value_->setText(QString::number(t, 'g', 8));

    const auto id = static_cast<std::size_t>(result->idIndex);
    QString html;
    for (std::size_t ood : result->oodIndices) {
        const OperatingPoint p = index.operatingPoint(id, ood, t);
        rates_.push_back(p);
        html += tr("<b>vs %1</b><br>&nbsp;ID+: TPR %2, FPR %3<br>&nbsp;OOD+: TPR %4, FPR %5<br>")
                    .arg(QString::fromStdString(result->datasets[ood].name).toHtmlEscaped(), percent(p.tpr_id),
                         percent(p.fpr_id), percent(p.tpr_ood), percent(p.fpr_ood));
    }
    ratesLabel_->setText(html);
    ratesLabel_->setToolTip(tr("ID+ (ID positive): TPR = ID accepted, FPR = OOD accepted.\n"
                               "OOD+ (OOD positive): TPR = OOD flagged, FPR = ID flagged.\n"
                               "NaN scores are left out of the rates and counted as flagged below."));

    for (int r = 0; r < counts_->rowCount(); ++r) {
        const auto d = static_cast<std::size_t>(counts_->item(r, 0)->data(Qt::UserRole).toULongLong());
        accepted_[d] = index.accepted(d, t);
        flagged_[d] = index.flagged(d, t);
        const std::size_t total = index.total(d);
        counts_->setItem(r, 1, numberItem(accepted_[d]));
        QTableWidgetItem* flagged = numberItem(flagged_[d]);
        if (index.nanCount(d) > 0)
            flagged->setToolTip(tr("including %1 NaN score(s)").arg(index.nanCount(d)));
        counts_->setItem(r, 2, flagged);
        auto* share = new QTableWidgetItem(total ? percent(double(flagged_[d]) / double(total)) : QString());
        share->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        counts_->setItem(r, 3, share);
    }
    hint_->setText(tr("Accept as ID when score \u2265 threshold (range %1 to %2).")
                       .arg(index.minimum(), 0, 'g', 4)
                       .arg(index.maximum(), 0, 'g', 4));
}

QString ThresholdPanel::ratesText() const
{
    return ratesLabel_->text();
}

void ThresholdPanel::applyTyped()
{
    bool ok = false;
    double v = QLocale().toDouble(value_->text().trimmed(), &ok);
    if (!ok)
        v = value_->text().trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(v)) {
        value_->setStyleSheet(QStringLiteral("QLineEdit { background: #F8C9C4; color: black; }"));
        value_->setToolTip(tr("'%1' is not a number").arg(value_->text()));
        return;
    }
    value_->setStyleSheet(QString());
    session_->setThreshold(v);
    value_->setText(QString::number(session_->threshold(), 'g', 8));
}

void ThresholdPanel::setFromPreset(double threshold, const QString& what)
{
    if (!std::isfinite(threshold)) {
        hint_->setText(tr("No threshold for %1 on this data.").arg(what));
        return;
    }
    session_->setThreshold(threshold);
    value_->setText(QString::number(session_->threshold(), 'g', 8));
}

void ThresholdPanel::applyTpr95()
{
    if (const RunResultPtr r = session_->result())
        setFromPreset(session_->thresholdAtIdTpr95(session_->currentMethod()), tpr95_->text());
}

void ThresholdPanel::applyYouden()
{
    if (const RunResultPtr r = session_->result())
        setFromPreset(thresholdYouden(*r, session_->currentMethod().toStdString()), youden_->text());
}

void ThresholdPanel::applyFpr()
{
    if (const RunResultPtr r = session_->result())
        setFromPreset(thresholdAtFpr(*r, session_->currentMethod().toStdString(), fpr_->value() / 100.0),
                      tr("FPR %1").arg(fpr_->text()));
}

} // namespace oodlens::ui
