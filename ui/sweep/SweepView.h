// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "sweep/Sweep.h"
#include "workspace/ResultMetaTypes.h"

#include <QString>
#include <QWidget>
#include <qcustomplot.h>

#include <vector>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace oodlens::ui {

class Workspace;

// A sweep's metric against the swept value: the validation objective (the mean over the validation
// OOD sets, the line the choice reads) and the test metric of every test OOD set side by side
// (dashed, computed after the choice), the chosen value marked. One parameter: its values on the x
// axis (logarithmic when they span two decades); several: one position per grid point, labelled.
class SweepPlot : public QCustomPlot {
    Q_OBJECT

public:
    explicit SweepPlot(QWidget* parent = nullptr);
    // nullptr: empty, with a placeholder.
    void setSweep(const oodlens::SweepResult* sweep);
    // The plotted lines (for tests): name and the y values in percent, NaN where a value failed.
    struct Line {
        QString name;
        std::vector<double> y;
    };
    const std::vector<Line>& lines() const { return lines_; }

private:
    std::vector<Line> lines_;
    QCPItemText* placeholder_ = nullptr;
};

// "Sweep": honest hyperparameter selection (core's runSweep). Pick a method and a parameter with a
// grid (or all of them), the metric and the ID validation split; "Sweep" makes the runs carry that
// sweep (Workspace::setSweep: from the kept features, the model runs again only for ODIN); every
// final result's sweep is shown in the plot and the table; "Apply best" sets the chosen values as
// the method's parameters (an edit: it rescores). Without a validation OOD set the view says how to
// add one: values are never chosen on the test OOD sets.
class SweepView : public QWidget {
    Q_OBJECT

public:
    explicit SweepView(Workspace* workspace, QWidget* parent = nullptr);

    // The request and settings the controls describe.
    oodlens::SweepRequest request() const;
    oodlens::SweepSettings settings() const;
    void setRequest(const oodlens::SweepRequest& request, const oodlens::SweepSettings& settings);
    // The sweep of the current result matching the controls' method (nullptr when none).
    const oodlens::SweepResult* shownSweep() const;

    SweepPlot* plot() const { return plot_; }
    QTableWidget* table() const { return table_; }
    QPushButton* sweepButton() const { return sweep_; }
    QPushButton* applyButton() const { return apply_; }
    QLabel* summaryLabel() const { return summary_; }

public Q_SLOTS:
    void startSweep();
    void applyBest();

private:
    void fillParams();
    void refresh();
    void updateHint();

    Workspace* workspace_;
    QComboBox* method_;
    QComboBox* param_;
    QComboBox* metric_;
    QDoubleSpinBox* fraction_;
    QSpinBox* seed_;
    QPushButton* sweep_;
    QPushButton* apply_;
    QLabel* hint_;
    QLabel* summary_;
    SweepPlot* plot_;
    QTableWidget* table_;
    oodlens::RunResultPtr result_; // keeps the shown sweep alive
};

} // namespace oodlens::ui
