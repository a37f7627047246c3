// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/ResultsTableView.h"

#include "common/Error.h"
#include "docks/MethodLabels.h"
#include "io/Export.h"
#include "io/ResultsTableExport.h"
#include "workspace/Workspace.h"

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace oodlens::ui {

namespace {

using Kind = ResultsTable::ColumnKind;

QString percent(double fraction)
{
    return std::isfinite(fraction) ? QString::number(fraction * 100.0, 'f', 2) : QStringLiteral("\u2013");
}

QString columnTitle(const ResultsTable::Column& c, bool grouped)
{
    switch (c.kind) {
    case Kind::OodSet:
        return c.group.empty() ? QString::fromStdString(c.name)
                               : QStringLiteral("%1 \u00b7 %2").arg(QString::fromStdString(c.group),
                                                                    QString::fromStdString(c.name));
    case Kind::GroupMean: return ResultsTableView::tr("%1 mean").arg(QString::fromStdString(c.name));
    case Kind::Mean: return grouped ? ResultsTableView::tr("Overall mean") : ResultsTableView::tr("Mean");
    }
    return {};
}

} // namespace

ResultsTableView::ResultsTableView(Workspace* workspace, QWidget* parent)
    : QWidget(parent), workspace_(workspace), accuracy_(new QLabel(this)), view_(new QTableWidget(this)),
      footnote_(new QLabel(this)), export_(new QAction(tr("Export &results table\u2026"), this))
{
    setObjectName(QStringLiteral("resultsTable"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    auto* top = new QHBoxLayout;
    accuracy_->setObjectName(QStringLiteral("resultsAccuracy"));
    accuracy_->setWordWrap(true); // the dock's text never sets the window's minimum width
    accuracy_->setMinimumWidth(0);
    top->addWidget(accuracy_, 1);
    auto* button = new QToolButton(this);
    button->setObjectName(QStringLiteral("resultsExport"));
    button->setDefaultAction(export_);
    button->setText(tr("Export\u2026"));
    top->addWidget(button);
    layout->addLayout(top);
    view_->setObjectName(QStringLiteral("resultsTableView"));
    view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view_->setSelectionMode(QAbstractItemView::ContiguousSelection);
    view_->verticalHeader()->setVisible(false);
    view_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    layout->addWidget(view_, 1);
    footnote_->setObjectName(QStringLiteral("resultsFootnote"));
    footnote_->setWordWrap(true);
    layout->addWidget(footnote_);
    export_->setToolTip(tr("Write this table as LaTeX (booktabs), Markdown or CSV"));

    connect(export_, &QAction::triggered, this, &ResultsTableView::exportWithDialog);
    connect(workspace_, &Workspace::resultChanged, this, &ResultsTableView::rebuild);
    rebuild();
}

QString ResultsTableView::accuracyText() const
{
    if (!table_.idAccuracy)
        return {};
    const ClassificationAccuracy& a = *table_.idAccuracy;
    return tr("ID classification accuracy on %1: %2 % (%3 of %4 labelled images)")
        .arg(QString::fromStdString(table_.idName), percent(a.accuracy))
        .arg(a.correct)
        .arg(a.labelled);
}

bool ResultsTableView::footnoteShown() const { return !footnote_->isHidden(); }

void ResultsTableView::rebuild()
{
    const RunResultPtr result = workspace_->result();
    table_ = result ? buildResultsTable(*result) : ResultsTable();
    export_->setEnabled(!table_.rows.empty());
    view_->clear();
    const std::size_t k = table_.metrics.size();
    view_->setRowCount(int(table_.rows.size()));
    view_->setColumnCount(int(1 + table_.columns.size() * k));
    bool grouped = false;
    for (const ResultsTable::Column& c : table_.columns)
        grouped = grouped || c.kind == Kind::GroupMean;
    QStringList headers{tr("Method")};
    for (const ResultsTable::Column& c : table_.columns)
        for (const MetricColumn* m : table_.metrics)
            headers << QStringLiteral("%1\n%2 %").arg(columnTitle(c, grouped), QString::fromLatin1(m->label));
    view_->setHorizontalHeaderLabels(headers);

    bool dagger = false;
    for (std::size_t r = 0; r < table_.rows.size(); ++r) {
        const ResultsTable::Row& row = table_.rows[r];
        auto* name = new QTableWidgetItem(typesetMethodLabel(row.label));
        name->setData(Qt::UserRole, QString::fromStdString(row.method));
        view_->setItem(int(r), 0, name);
        for (std::size_t c = 0; c < table_.columns.size(); ++c)
            for (std::size_t m = 0; m < k; ++m) {
                const double v = row.values[c][m];
                auto* item = new QTableWidgetItem(percent(v));
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
                item->setData(Qt::UserRole, v);
                QFont font = item->font();
                font.setBold(table_.isBest(r, c, m)); // bold means best, and nothing else
                if (m == ResultsTable::kAuroc && ResultsTable::belowChance(v)) {
                    dagger = true;
                    item->setText(percent(v) + QStringLiteral("\u2020"));
                    font.setItalic(true);
                    item->setForeground(palette().brush(QPalette::Disabled, QPalette::Text));
                    item->setToolTip(tr("AUROC below 50 %: %1 ranks this OOD set above the ID set (its orientation "
                                        "is reversed). Its flip parameter in the Methods dock negates the score.")
                                         .arg(typesetMethodLabel(row.label)));
                } else if (table_.isBest(r, c, m)) {
                    item->setToolTip(tr("Best in this column (bold)"));
                }
                item->setFont(font);
                view_->setItem(int(r), int(1 + c * k + m), item);
            }
    }
    accuracy_->setText(result ? (table_.idAccuracy ? accuracyText() : tr("The ID set has no labels: no accuracy"))
                              : tr("Run the analysis to see the results table"));
    footnote_->setText(tr("Percent. FPR@95 (ID+): OOD accepted at 95 % ID TPR. Bold: best in its column. "
                          "\u2020 AUROC below 50 %: the score's orientation is reversed on that set."));
    footnote_->setVisible(dagger);
}

bool ResultsTableView::exportTo(const QString& path, QString* error) const
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    try {
        if (table_.rows.empty())
            throw Error("no results yet: run the analysis first");
        const std::string file = path.toStdString();
        if (suffix == QLatin1String("tex"))
            writeFileAtomic(file, resultsTableLatex(table_));
        else if (suffix == QLatin1String("md"))
            writeFileAtomic(file, resultsTableMarkdown(table_));
        else if (suffix == QLatin1String("csv"))
            writeFileAtomic(file, resultsTableCsv(table_));
        else
            throw Error("cannot export '" + file + "': use a .tex, .md or .csv file name");
    } catch (const Error& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
    return true;
}

void ResultsTableView::exportWithDialog()
{
    QString path = QFileDialog::getSaveFileName(this, tr("Export results table"),
                                                QString::fromLatin1(kResultsTableBaseName) + QStringLiteral(".tex"),
                                                tr("LaTeX (*.tex);;Markdown (*.md);;CSV (*.csv)"));
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += QStringLiteral(".tex");
    QString error;
    if (!exportTo(path, &error))
        QMessageBox::warning(this, tr("Export results table"), error);
}

} // namespace oodlens::ui
