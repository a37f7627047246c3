// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/ResultMetaTypes.h"
#include "run/EtaEstimator.h"

#include <QElapsedTimer>
#include <QString>
#include <QWidget>

#include <map>
#include <vector>

class QPushButton;
class QTableWidget;

namespace oodlens::ui {

class Workspace;

// The datasets of the analysis, one row each: name, role, kind, image count, skipped count and a
// status (queued, per-dataset progress with time left, done, from the cache, or the error of
// that dataset, in red, beside it). An error in one dataset never hides the others. The rows
// follow the Workspace's analysis, and a finished result fills them in; Remove edits the
// Workspace, Add asks for a dialog (addRequested). An OOD set's group (near, far) is edited in
// place (double-click or F2): the results table averages each group.
class DatasetsPanel : public QWidget {
    Q_OBJECT

public:
    enum Column { NameColumn, RoleColumn, GroupColumn, KindColumn, ImagesColumn, SkippedColumn, StatusColumn, ColumnCount };

    explicit DatasetsPanel(Workspace* workspace, QWidget* parent = nullptr);

    // A dataset finished (or failed) extracting.
    void setSummary(int dataset, const DatasetSummary& summary);
    // A progress report of the run ("extracting NAME", done, total): updates NAME's row.
    // `dataset` indexes the datasets of the running config (the rows shown).
    void setProgress(int dataset, const QString& stage, qulonglong done, qulonglong total);
    // Marks every row without features as waiting for the run.
    void markQueued();
    // Ends a run: rows still waiting say why (cancelled / failed).
    void endRun(const QString& reason);

    QTableWidget* table() const { return table_; }
    int rowCount() const;
    QString text(int row, Column column) const;
    // Row selected in the table, or -1.
    int selectedRow() const;

    // The display name of a dataset (its file name for the ID set).
    static QString displayName(const DatasetSpec& spec);

signals:
    void addRequested();

private:
    struct RowState {
        DatasetSummary summary;
        bool done = false;
        QString status;
        bool error = false;
        EtaEstimator eta;
        QElapsedTimer clock;
    };
    // Lists `specs`; rows of datasets listed before keep their kind, counts and status.
    void setDatasets(const std::vector<DatasetSpec>& specs);
    static QString key(const std::string& path, DatasetRole role);
    void updateRow(int row);

    QTableWidget* table_;
    QPushButton* add_;
    QPushButton* remove_;
    std::vector<DatasetSpec> specs_;
    bool filling_ = false; // rows being filled from the Workspace, not edited
    std::map<QString, RowState> states_; // by key(path, role)
};

} // namespace oodlens::ui
