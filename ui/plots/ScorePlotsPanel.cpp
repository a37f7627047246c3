// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/ScorePlotsPanel.h"

#include "docks/MethodLabels.h"
#include "plots/CurveReadout.h"
#include "plots/HistogramView.h"
#include "plots/PlotSeries.h"
#include "plots/PrView.h"
#include "plots/RocView.h"
#include "workspace/Workspace.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace oodlens::ui {

namespace {

// A one-line hint that shows its short form, or nothing, rather than being cut off when its row
// is narrow (the full text stays in its tooltip).
class FittingHint : public QLabel {
public:
    FittingHint(const QString& text, const QString& shortText, QWidget* parent)
        : QLabel(text, parent), short_(shortText)
    {
    }

protected:
    void paintEvent(QPaintEvent*) override
    {
        const int width = contentsRect().width();
        for (const QString& t : {text(), short_})
            if (fontMetrics().horizontalAdvance(t) <= width) {
                QPainter p(this);
                p.setPen(palette().color(QPalette::PlaceholderText));
                p.drawText(contentsRect(), int(alignment()), t);
                return;
            }
    }

private:
    QString short_;
};

bool contains(const std::vector<std::string>& v, const std::string& s)
{
    return std::find(v.begin(), v.end(), s) != v.end();
}

} // namespace

ScorePlotsPanel::ScorePlotsPanel(Workspace* workspace, QWidget* parent)
    : QSplitter(Qt::Horizontal, parent), workspace_(workspace)
{
    setObjectName(QStringLiteral("plotSplitter"));
    histogram_ = new HistogramView(this);

    // Histogram options sit right above the histogram.
    auto* options = new QWidget(this);
    auto* optionsLayout = new QHBoxLayout(options);
    optionsLayout->setContentsMargins(6, 2, 6, 0);
    density_ = new QCheckBox(tr("Density"), options);
    log_ = new QCheckBox(tr("Log y"), options);
    bins_ = new QSpinBox(options);
    bins_->setObjectName(QStringLiteral("binsSpin"));
    bins_->setRange(0, 500);
    bins_->setSpecialValueText(tr("auto"));
    bins_->setKeyboardTracking(false);
    bins_->setToolTip(tr("Number of shared bins (auto: Freedman-Diaconis)"));
    connect(bins_, qOverload<int>(&QSpinBox::valueChanged), histogram_, &HistogramView::setBinCount);
    connect(density_, &QCheckBox::toggled, histogram_, &HistogramView::setDensity);
    connect(log_, &QCheckBox::toggled, histogram_, &HistogramView::setLogCounts);
    auto* dragHint = new FittingHint(tr("drag the dashed line to set the threshold"), tr("drag the line"), options);
    dragHint->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    dragHint->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    dragHint->setToolTip(tr("Drag the dashed line on the histogram, or Shift+click anywhere on it, to move the "
                            "threshold; the curves and the Threshold dock follow"));
    optionsLayout->addWidget(new QLabel(tr("Bins:"), options));
    optionsLayout->addWidget(bins_);
    optionsLayout->addWidget(density_);
    optionsLayout->addWidget(log_);
    optionsLayout->addWidget(dragHint, 1);
    auto* histogramPanel = new QWidget(this);
    auto* histogramLayout = new QVBoxLayout(histogramPanel);
    histogramLayout->setContentsMargins(0, 0, 0, 0);
    histogramLayout->setSpacing(0);
    histogramLayout->addWidget(options);
    histogramLayout->addWidget(histogram_, 1);

    roc_ = new RocView(this);
    pr_ = new PrView(this);
    auto* curves = new QSplitter(Qt::Vertical, this);
    curves->setObjectName(QStringLiteral("curveSplitter"));
    curves->addWidget(roc_);
    curves->addWidget(pr_);
    curves->setChildrenCollapsible(false);
    addWidget(histogramPanel);
    addWidget(curves);
    setStretchFactor(0, 3);
    setStretchFactor(1, 2);
    setChildrenCollapsible(false);
    for (QCustomPlot* plot : std::initializer_list<QCustomPlot*>{histogram_, roc_, pr_})
        connect(plot, &QCustomPlot::mousePress, this, [this, plot]() { lastPlot_ = plot; });

    connect(histogram_, &HistogramView::thresholdDragged, workspace_, &Workspace::setThreshold);
    // Reading the curves: hover for the rates at a point, click to set the threshold there.
    rocReadout_ = new CurveReadout(roc_, CurveKind::Roc, workspace_, this);
    prReadout_ = new CurveReadout(pr_, CurveKind::Pr, workspace_, this);
    connect(workspace_, &Workspace::resultChanged, this, &ScorePlotsPanel::redraw);
    connect(workspace_, &Workspace::currentMethodChanged, this, &ScorePlotsPanel::redraw);
    connect(workspace_, &Workspace::methodsChanged, this, &ScorePlotsPanel::redraw);
    connect(workspace_, &Workspace::thresholdChanged, this, &ScorePlotsPanel::showThreshold);
    redraw();
}

QCustomPlot* ScorePlotsPanel::lastPlot() const
{
    return lastPlot_ ? lastPlot_ : histogram_;
}

void ScorePlotsPanel::setOverlay(bool on)
{
    if (on == overlay_)
        return;
    overlay_ = on;
    drawCurves();
    showThreshold();
}

void ScorePlotsPanel::redraw()
{
    curveKeys_.clear();
    rocReadout_->setCurves({});
    prReadout_->setCurves({});
    const RunResultPtr result = workspace_->result();
    if (!result) {
        histogram_->clearScores(tr("Run the analysis to see the score histograms"));
        roc_->clearCurves(tr("Run the analysis to see the ROC curve"));
        pr_->clearCurves(tr("Run the analysis to see the precision-recall curve"));
        return;
    }
    const QString id = workspace_->currentMethod();
    const std::string method = id.toStdString();
    const QString label = methodDisplayLabel(method, result->params);
    if (!workspace_->hasScores(id)) {
        // A method whose scoring failed says why (the run's warning), not that it is being scored.
        QString failure;
        for (const RunWarning& w : result->warnings)
            if (w.method == method && failure.isEmpty())
                failure = QString::fromStdString(w.message);
        const QString why = !failure.isEmpty() ? failure
                            : contains(workspace_->config().methods, method)
                                ? tr("%1 is being scored\u2026").arg(label)
                                : tr("%1 is not scored: check it in the Methods list").arg(label);
        histogram_->clearScores(why);
        roc_->clearCurves(why);
        pr_->clearCurves(why);
        return;
    }
    histogram_->showScores(label, histogramSeriesOf(*result, method));
    drawCurves();
    showThreshold();
}

void ScorePlotsPanel::drawCurves()
{
    curveKeys_.clear();
    const RunResultPtr result = workspace_->result();
    const QString id = workspace_->currentMethod();
    if (!result || !workspace_->hasScores(id))
        return;
    const std::string current = id.toStdString();
    std::vector<std::string> methods{current};
    if (overlay_)
        for (const std::string& m : result->methods)
            if (m != current && contains(workspace_->config().methods, m))
                methods.push_back(m);
    CurveSet curves = curveSeriesOf(*result, methods);
    curveKeys_ = std::move(curves.keys);
    rocReadout_->setCurves(curveKeys_);
    prReadout_->setCurves(curveKeys_);
    const QString label = methods.size() > 1 ? tr("%1 + %n more", nullptr, int(methods.size() - 1))
                                                   .arg(methodDisplayLabel(current, result->params))
                                             : methodDisplayLabel(current, result->params);
    roc_->showCurves(label, curves.roc);
    pr_->showCurves(label, curves.pr);
}

void ScorePlotsPanel::showThreshold()
{
    const double threshold = workspace_->threshold();
    histogram_->setThreshold(threshold);
    histogram_->replotThreshold();
    const RunResultPtr r = workspace_->result();
    if (!r || r->idIndex < 0)
        return;
    const auto id = static_cast<std::size_t>(r->idIndex);
    const QString current = workspace_->currentMethod();
    const double acceptance = workspace_->idAcceptance();
    std::vector<QPointF> rocPoints, prPoints;
    for (const auto& [method, ood] : curveKeys_) {
        const QString m = QString::fromStdString(method);
        const ThresholdIndex& index = workspace_->thresholdIndex(m);
        // Other methods have other units: read them at the same share of ID accepted.
        const double t = m == current ? threshold : index.thresholdForAcceptance(id, acceptance);
        const OperatingPoint p = index.operatingPoint(id, ood, t);
        rocPoints.emplace_back(p.fpr_id, p.tpr_id);
        prPoints.emplace_back(p.tpr_id, index.precisionIdPositive(id, ood, t));
    }
    roc_->setOperatingPoints(rocPoints);
    pr_->setOperatingPoints(prPoints);
    roc_->replotOperatingPoints();
    pr_->replotOperatingPoints();
}

} // namespace oodlens::ui
