// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "factors/FactorAnalysis.h"
#include "workspace/ResultMetaTypes.h"

#include <QWidget>

#include <atomic>
#include <memory>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QSpinBox;
class QSplitter;
class QTableWidget;
class QTimer;
template <typename T> class QFutureWatcher;

namespace oodlens::ui {

class FactorChart;
class FamilyHeatmap;
class Workspace;

// "Gradients?": the factor analysis of the Workspace's result (core's analyseFactors) for one
// gradient method and one OOD set at a time: the gradient score against its feature term, its output
// term and the best family member (FactorChart), the family heatmap (FamilyHeatmap), what each costs
// per image, and the verdict. It observes the Workspace and keeps nothing of its own but its
// controls: every final result (never a partial one) and every change of the validation split
// recomputes the report from the result's scores, off the GUI thread (a superseded computation is
// cancelled, its report dropped), while a busy bar shows; the model never runs for it. While the
// view is hidden the work waits until it is shown. A click in a heatmap cell makes that member the
// current method everywhere (Workspace::showMethod: a member not scored yet is checked, with its
// exponent, and rescored from the cached features).
class FactorsView : public QWidget {
    Q_OBJECT

public:
    // `persistSettings`: read and save the split controls (Settings::factorSplit).
    explicit FactorsView(Workspace* workspace, bool persistSettings = true, QWidget* parent = nullptr);
    ~FactorsView() override;

    // The report on screen (nullptr before the first one, or when the last one failed) and the
    // analysis of the selected gradient method and OOD set in it.
    std::shared_ptr<const FactorReport> report() const { return report_; }
    const FactorAnalysis* currentAnalysis() const;
    // Whether a computation is under way (the busy bar shows).
    bool isComputing() const { return computing_ != nullptr; }
    // Reports computed since the view was made (for tests: a split change recomputes).
    int computations() const { return computations_; }
    // Why the last computation failed; empty when it did not.
    QString problem() const { return problem_; }
    // The split the controls describe.
    FactorSplit split() const;
    void setSplit(const FactorSplit& split);

    FactorChart* chart() const { return chart_; }
    FamilyHeatmap* heatmap() const { return heatmap_; }
    QComboBox* methodCombo() const { return methodCombo_; }
    QComboBox* oodCombo() const { return oodCombo_; }
    QComboBox* splitKindCombo() const { return splitKind_; }
    QDoubleSpinBox* fractionSpin() const { return fraction_; }
    QSpinBox* seedSpin() const { return seed_; }
    QComboBox* validationIdCombo() const { return validationId_; }
    QComboBox* validationOodCombo() const { return validationOod_; }
    QTableWidget* costTable() const { return costs_; }
    QLabel* verdictLabel() const { return verdict_; }

    // From this width on, the chart and the heatmap sit side by side.
    static constexpr int kSideBySideWidth = 860;

signals:
    // A report for the present result and split is on screen.
    void reportReady();
    // Its computation failed (the message is shown in the view, and in problem()).
    void reportFailed(const QString& message);

protected:
    void showEvent(QShowEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void resultChanged();
    void splitEdited();
    // Starts a computation for the Workspace's result (cancelling one under way).
    void recompute();
    void computed(QFutureWatcher<std::shared_ptr<const FactorReport>>* watcher);
    void fillSelectors();
    void fillValidationChoices();
    void showAnalysis();
    void showCosts();
    void setBusy(bool busy);

    Workspace* workspace_;
    bool persist_;
    std::shared_ptr<const FactorReport> report_;
    RunResultPtr reportOf_;        // the result the report on screen was computed from
    RunResultPtr reportOfPending_; // the result the computation under way works on
    bool dirty_ = false;     // the result or the split changed while the view was hidden
    int computations_ = 0;
    QString problem_;
    // The computation under way and its cancel flag; superseded ones finish on their own.
    QFutureWatcher<std::shared_ptr<const FactorReport>>* computing_ = nullptr;
    std::shared_ptr<std::atomic<bool>> cancel_;

    QComboBox* methodCombo_;
    QComboBox* oodCombo_;
    QComboBox* splitKind_;
    QDoubleSpinBox* fraction_;
    QSpinBox* seed_;
    QComboBox* validationId_;
    QComboBox* validationOod_;
    QWidget* seededControls_;
    QWidget* pairControls_;
    QProgressBar* busy_;
    QLabel* status_;
    QLabel* verdict_;
    QLabel* details_;
    FactorChart* chart_;
    FamilyHeatmap* heatmap_;
    QTableWidget* costs_;
    QSplitter* figures_;
    bool splitSized_ = false;
    QTimer* splitTimer_;
};

} // namespace oodlens::ui
