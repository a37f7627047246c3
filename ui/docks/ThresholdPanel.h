// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "metrics/Metrics.h"

#include <QWidget>

#include <cstddef>
#include <vector>

class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace oodlens::ui {

class Workspace;

// The decision threshold of the current method, as a number: a typed value, presets (95% ID TPR,
// a chosen FPR, Youden's J), and live readouts of the rates against each OOD set in both
// conventions (ID positive and OOD positive) and of the images accepted / flagged per dataset.
// Everything goes through the session: the histogram line, the curves' operating points and
// these readouts always show the same threshold. Readouts use the session's sorted-score index,
// so a threshold move costs a few binary searches.
class ThresholdPanel : public QWidget {
    Q_OBJECT

public:
    explicit ThresholdPanel(Workspace* session, QWidget* parent = nullptr);

    QLineEdit* valueEdit() const { return value_; }
    QPushButton* tpr95Button() const { return tpr95_; }
    QPushButton* youdenButton() const { return youden_; }
    QPushButton* fprButton() const { return atFpr_; }
    QDoubleSpinBox* fprSpin() const { return fpr_; }

    // The rates shown, one per OOD set of the result (in RunResult::oodIndices order).
    const std::vector<OperatingPoint>& shownRates() const { return rates_; }
    // The counts shown for dataset `d` of the result (accepted as ID, flagged as OOD).
    std::size_t shownAccepted(std::size_t d) const { return d < accepted_.size() ? accepted_[d] : 0; }
    std::size_t shownFlagged(std::size_t d) const { return d < flagged_.size() ? flagged_[d] : 0; }
    QString ratesText() const;

public slots:
    void applyTpr95();
    void applyYouden();
    void applyFpr();

private:
    void refresh();
    void rebuildTable();
    void applyTyped();
    void setFromPreset(double threshold, const QString& what);

    Workspace* session_;
    QLineEdit* value_;
    QPushButton* tpr95_;
    QPushButton* youden_;
    QPushButton* atFpr_;
    QDoubleSpinBox* fpr_;
    QLabel* ratesLabel_;
    QLabel* hint_;
    QTableWidget* counts_;
    std::vector<OperatingPoint> rates_;
    std::vector<std::size_t> accepted_, flagged_;
};

} // namespace oodlens::ui
