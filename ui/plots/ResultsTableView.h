// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "metrics/ResultsTable.h"

#include <QString>
#include <QWidget>

class QAction;
class QLabel;
class QTableWidget;

namespace oodlens::ui {

class Workspace;

// The OpenOOD-style results table of the Workspace's result (core's buildResultsTable): methods
// as rows, OOD sets as columns (AUROC and FPR@95 ID+ in percent), one mean per group of OOD sets
// and an overall mean, and the ID classification accuracy when the ID set has labels. Bold marks
// the best value of a column and nothing else; an AUROC below 50 % is grey italic with a dagger
// and a footnote. Export writes the same table as LaTeX (booktabs), Markdown or CSV.
class ResultsTableView : public QWidget {
    Q_OBJECT

public:
    explicit ResultsTableView(Workspace* workspace, QWidget* parent = nullptr);

    const ResultsTable& table() const { return table_; }
    QTableWidget* tableWidget() const { return view_; }
    // The accuracy line ("ID classification accuracy on …"), empty when the ID set has no labels.
    QString accuracyText() const;
    // Whether the dagger footnote is shown (some AUROC is below 50 %).
    bool footnoteShown() const;
    // File › Export results table…: asks for a file and writes it.
    QAction* exportAction() const { return export_; }
    // Writes the table to `path`, as LaTeX (.tex), Markdown (.md) or CSV (.csv, the default).
    // Returns false with `error` set when it cannot.
    bool exportTo(const QString& path, QString* error = nullptr) const;

private:
    void rebuild();
    void exportWithDialog();

    Workspace* workspace_;
    ResultsTable table_;
    QLabel* accuracy_;
    QTableWidget* view_;
    QLabel* footnote_;
    QAction* export_;
};

} // namespace oodlens::ui
