// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <QSplitter>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

class QCheckBox;
class QCustomPlot;
class QSpinBox;

namespace oodlens::ui {

class CurveReadout;
class HistogramView;
class PrView;
class RocView;
class Workspace;

// The "Analysis" tab: the current method's score histogram (with its bins / density / log
// options above it and the draggable threshold line) beside its ROC and precision-recall curves
// with the operating point of the threshold. A view of the Workspace: it redraws when the result,
// the current method or the checked methods change, moves the line and the operating points when
// the threshold does, and a drag of the line sets the Workspace's threshold. With the overlay on,
// the curves of every other checked method are drawn too, each marked at the same ID TPR.
class ScorePlotsPanel : public QSplitter {
    Q_OBJECT

public:
    explicit ScorePlotsPanel(Workspace* workspace, QWidget* parent = nullptr);

    HistogramView* histogram() const { return histogram_; }
    RocView* roc() const { return roc_; }
    PrView* pr() const { return pr_; }
    QSpinBox* binsSpin() const { return bins_; }
    QCheckBox* densityCheck() const { return density_; }
    QCheckBox* logCheck() const { return log_; }
    // The plot clicked last (the histogram until one is), what "Export figure" offers first.
    QCustomPlot* lastPlot() const;
    // Hover and click on the ROC / PR curves (threshold, TPR, FPR, precision; a click sets the threshold).
    CurveReadout* rocReadout() const { return rocReadout_; }
    CurveReadout* prReadout() const { return prReadout_; }
    bool overlay() const { return overlay_; }

public Q_SLOTS:
    void setOverlay(bool on);

private:
    void redraw();
    void drawCurves();
    void showThreshold();

    Workspace* workspace_;
    HistogramView* histogram_;
    RocView* roc_;
    PrView* pr_;
    QSpinBox* bins_;
    QCheckBox* density_;
    QCheckBox* log_;
    QCustomPlot* lastPlot_ = nullptr;
    CurveReadout* rocReadout_ = nullptr;
    CurveReadout* prReadout_ = nullptr;
    bool overlay_ = false;
    // The curves drawn, in order: (method, OOD dataset index).
    std::vector<std::pair<std::string, std::size_t>> curveKeys_;
};

} // namespace oodlens::ui
