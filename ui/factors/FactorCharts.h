// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The two figures of the factor analysis ("Are gradients needed?"), for the Factors view and for
// the report: the gradient score against its own factors and the best family member, and the
// family heatmap. Both draw one FactorAnalysis (one gradient method, one OOD set) that the caller
// keeps alive while it is shown; both work offscreen and export with exportFigure().
#include "factors/FactorAnalysis.h"

#include <QPointF>
#include <QString>
#include <qcustomplot.h>

#include <vector>

namespace oodlens::ui {

class PlotFit;

// A dot chart of test-part AUROC with 95 % whiskers: the gradient score, its feature term alone,
// its output term alone, and the best family member (picked on the validation part). One row per
// score, top to bottom in that order, in the Okabe-Ito colours; the value is written beside each
// dot. The intervals are the paired bootstrap's per-score ones (FactorComparison::bootstrap
// aurocOfA / aurocOfB), so all four come from the same resamples; a row without one has no whisker.
class FactorChart : public QCustomPlot {
    Q_OBJECT

public:
    explicit FactorChart(QWidget* parent = nullptr);

    // nullptr: empty, with a placeholder.
    void setAnalysis(const oodlens::FactorAnalysis* analysis);
    const oodlens::FactorAnalysis* analysis() const { return analysis_; }

    // What each row shows (for tests and the report): label, AUROC and its interval, in percent.
    struct Row {
        QString label;
        double auroc = 0, low = 0, high = 0;
        bool hasInterval = false;
    };
    const std::vector<Row>& rows() const { return rows_; }
    QString title() const;

private:
    void clearChart();

    const oodlens::FactorAnalysis* analysis_ = nullptr;
    std::vector<Row> rows_;
    QCPTextElement* title_ = nullptr;
    QCPItemText* placeholder_ = nullptr;
    PlotFit* fit_ = nullptr;
    std::vector<QCPAbstractItem*> items_;
};

// AUROC on the whole sets of every family member ||h||_q^a x phi: one row per (q, a), grouped by
// q (the groups ruled apart), one column per output term phi (registry labels), a colour scale
// (viridis, colour-blind safe) and the value in each cell. The gradient score's own factors
// (q and phi of its product, a = 1: its cell equals the gradient score) are outlined; the best
// member on the validation part carries a star. A left click in a cell emits memberClicked; the
// tooltip gives the member's label and metrics.
class FamilyHeatmap : public QCustomPlot {
    Q_OBJECT

public:
    explicit FamilyHeatmap(QWidget* parent = nullptr);

    void setAnalysis(const oodlens::FactorAnalysis* analysis);
    const oodlens::FactorAnalysis* analysis() const { return analysis_; }

    int rowCount() const { return int(rows_.size()); }
    int columnCount() const { return int(columns_.size()); }
    // The output term of column `c` (registry id) and the (feature term, q, a) of row `r`.
    std::string columnTerm(int c) const { return columns_.at(std::size_t(c)); }
    struct RowKey {
        std::string featureTerm;
        double q = 1, a = 1;
    };
    const RowKey& rowKey(int r) const { return rows_.at(std::size_t(r)); }
    // The cell of `member` in plot coordinates (x = column, y = row: xAxis/yAxis->coordToPixel
    // give its centre on screen); (-1, -1) when it is not in the grid.
    QPointF cellOf(const oodlens::FamilyMember& member) const;
    // The family entry drawn at a widget position; nullptr outside the cells.
    const oodlens::FamilyResult* resultAt(const QPoint& pos) const;
    // The AUROC (percent) shown in a cell; NaN when the member has none.
    double cellValue(int row, int column) const;
    // Cells of the gradient's own factors and of the best member; (-1, -1) when there is none.
    QPointF gradientCell() const { return gradientCell_; }
    QPointF bestCell() const { return bestCell_; }
    QString title() const;
    QCPColorScale* colorScale() const { return scale_; }

signals:
    void memberClicked(const oodlens::FamilyMember& member);

protected:
    bool event(QEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    void clearMap();
    int indexAt(int row, int column) const; // into analysis_->family, -1 when none

    const oodlens::FactorAnalysis* analysis_ = nullptr;
    std::vector<std::string> columns_;
    std::vector<RowKey> rows_;
    std::vector<int> cells_; // row-major index into analysis_->family, -1 for none
    QPointF gradientCell_{-1, -1}, bestCell_{-1, -1};
    QCPColorMap* map_ = nullptr;
    QCPColorScale* scale_ = nullptr;
    QCPTextElement* title_ = nullptr;
    QCPItemText* placeholder_ = nullptr;
    PlotFit* fit_ = nullptr;
    std::vector<QCPAbstractItem*> items_;
    std::vector<QCPGraph*> marks_;
    QPoint pressPos_;
    bool pressed_ = false;
};

// "‖h‖₁^0.5", "‖h‖₂", "φ alone" (a = 0): how a heatmap row is named.
QString familyRowLabel(const std::string& featureTerm, double a);

} // namespace oodlens::ui

Q_DECLARE_METATYPE(oodlens::FamilyMember)
