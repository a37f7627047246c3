// SPDX-License-Identifier: GPL-3.0-or-later
#include "factors/FactorCharts.h"

#include "docks/MethodLabels.h"
#include "methods/Registry.h"
#include "plots/OkabeIto.h"
#include "plots/PlotDecor.h"
#include "plots/PlotFit.h"

#include <QApplication>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace oodlens::ui {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The Okabe-Ito slots of the four rows: vermillion for the gradient, blue and bluish green for its
// factors, orange for the best member.
constexpr int kRowColors[] = {6, 5, 3, 1};

QString percent(double fraction, int decimals = 2)
{
    return std::isfinite(fraction) ? QString::number(100 * fraction, 'f', decimals) : QStringLiteral("n/a");
}

// The score's own 95 % interval from a comparison's paired bootstrap (A = the other score,
// B = the gradient score); false when the comparison has none.
bool intervalOf(const FactorComparison& c, bool ofA, double* low, double* high)
{
    if (!c.ok || c.bootstrap.resamples <= 0)
        return false;
    const Interval& i = ofA ? c.bootstrap.aurocOfA : c.bootstrap.aurocOfB;
    if (!std::isfinite(i.lo) || !std::isfinite(i.hi))
        return false;
    *low = 100 * i.lo;
    *high = 100 * i.hi;
    return true;
}

void styleAxes(QCustomPlot* plot)
{
    QFont tickFont = plot->font();
    tickFont.setPointSizeF(std::max(6.0, tickFont.pointSizeF() - 0.5));
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
        axis->setTickLabelFont(tickFont);
        axis->setSubTicks(false);
    }
}

// A five-pointed star, for the best member's mark (QCustomPlot's ssStar is not filled).
QPainterPath starPath()
{
    QPainterPath path;
    for (int i = 0; i < 10; ++i) {
        // Custom scatter paths are drawn in pixels: a star 11 px across.
        const double r = i % 2 ? 2.2 : 5.5;
        const double angle = -M_PI / 2 + i * M_PI / 5;
        const QPointF p(r * std::cos(angle), r * std::sin(angle));
        i ? path.lineTo(p) : path.moveTo(p);
    }
    path.closeSubpath();
    return path;
}

// A colour-blind-safe, perceptually uniform scale (matplotlib's viridis at five stops).
QCPColorGradient viridis()
{
    QCPColorGradient g;
    g.clearColorStops();
    g.setColorStopAt(0.00, QColor(0x44, 0x01, 0x54));
    g.setColorStopAt(0.25, QColor(0x3B, 0x52, 0x8B));
    g.setColorStopAt(0.50, QColor(0x21, 0x91, 0x8C));
    g.setColorStopAt(0.75, QColor(0x5E, 0xC9, 0x62));
    g.setColorStopAt(1.00, QColor(0xFD, 0xE7, 0x25));
    g.setColorInterpolation(QCPColorGradient::ciRGB);
    g.setNanHandling(QCPColorGradient::nhNanColor);
    g.setNanColor(QColor(0xD0, 0xD0, 0xD0));
    return g;
}

// A column label in at most two lines ("GradNorm\noutput term").
QString columnLabel(const std::string& term)
{
    QString label = methodDisplayLabel(term);
    const int space = label.indexOf(QLatin1Char(' '));
    if (label.size() > 10 && space > 0)
        label[space] = QLatin1Char('\n');
    return label;
}

QString metricsTip(const ScoreMetrics& m)
{
    return FamilyHeatmap::tr("AUROC %1 % (validation %2 %, test %3 %)\nFPR@95 %4 % (ID positive), %5 % (OOD positive)\n"
                             "AUPR-In %6 %, AUPR-Out %7 %")
        .arg(percent(m.all.auroc), percent(m.validation.auroc), percent(m.test.auroc), percent(m.all.fpr95_id),
             percent(m.all.fpr95_ood), percent(m.all.aupr_in), percent(m.all.aupr_out));
}

} // namespace

QString familyRowLabel(const std::string& featureTerm, double a)
{
    if (a == 0)
        return FamilyHeatmap::tr("a = 0 (\u03c6 alone)");
    QString label = methodDisplayLabel(featureTerm);
    if (a != 1)
        label += QStringLiteral("^") + QString::number(a);
    return label;
}

// --- FactorChart ---------------------------------------------------------------------------------

FactorChart::FactorChart(QWidget* parent) : QCustomPlot(parent)
{
    setMinimumSize(260, 150);
    // A title row and no legend: the rows are named on the axis.
    plotLayout()->insertRow(0);
    QFont titleFont(font().family());
    titleFont.setPointSizeF(9);
    titleFont.setBold(true);
    title_ = new QCPTextElement(this, QString(), titleFont);
    setPlotRole(title_, PlotRole::Title);
    plotLayout()->addElement(0, 0, title_);
    plotLayout()->setRowStretchFactor(0, 0.001);
    legend->setVisible(false);
    placeholder_ = addPlaceholderText(this);
    fit_ = new PlotFit(this, title_, false);
    fit_->setPlaceholder(placeholder_);
    styleAxes(this);
    xAxis->setLabel(tr("AUROC (%) on the test part, with 95 % CI"));
    fit_->setShortLabel(xAxis, tr("AUROC (%)"));
    yAxis->grid()->setVisible(false);
    yAxis->setTickLength(0, 0);
    clearChart();
}

QString FactorChart::title() const
{
    return fit_->fullTitle();
}

void FactorChart::clearChart()
{
    for (QCPAbstractItem* item : items_)
        removeItem(item);
    items_.clear();
    clearPlottables();
    rows_.clear();
}

void FactorChart::setAnalysis(const FactorAnalysis* analysis)
{
    analysis_ = analysis;
    clearChart();
    if (!analysis) {
        title_->setText(tr("Gradient score vs its factors"));
        placeholder_->setText(tr("No factor analysis yet"));
        placeholder_->setVisible(true);
        PlotFit::setMuted(this, true);
        replot();
        return;
    }
    title_->setText(tr("%1 vs its factors and the best family member, on %2")
                        .arg(typesetMethodLabel(analysis->gradientLabel), QString::fromStdString(analysis->ood)));
    placeholder_->setVisible(false);
    PlotFit::setMuted(this, false);

    struct Source {
        QString role;
        const ScoreMetrics* metrics;
        const FactorComparison* comparison;
        bool ofA;
    };
    std::vector<Source> sources = {
        {tr("Gradient"), &analysis->gradient, &analysis->versusBest, false},
        {tr("Feature term"), &analysis->featureTerm, &analysis->versusFeatureTerm, true},
        {tr("Output term"), &analysis->outputTerm, &analysis->versusOutputTerm, true},
    };
    const bool haveBest = analysis->best >= 0 && std::size_t(analysis->best) < analysis->family.size();
    if (haveBest)
        sources.push_back({tr("Best member"), &analysis->family[std::size_t(analysis->best)].metrics,
                           &analysis->versusBest, true});

    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    const int n = int(sources.size());
    double lo = 100, hi = 0;
    for (int i = 0; i < n; ++i) {
        const Source& s = sources[std::size_t(i)];
        Row row;
        row.label = typesetMethodLabel(s.metrics->label);
        row.auroc = 100 * s.metrics->test.auroc;
        row.hasInterval = intervalOf(*s.comparison, s.ofA, &row.low, &row.high);
        // The gradient's interval is the same in every comparison; take another when one failed.
        if (!row.hasInterval && !s.ofA)
            row.hasInterval = intervalOf(analysis->versusFeatureTerm, false, &row.low, &row.high) ||
                              intervalOf(analysis->versusOutputTerm, false, &row.low, &row.high);
        if (!row.hasInterval)
            row.low = row.high = row.auroc;
        rows_.push_back(row);

        const double y = n - 1 - i; // first row on top
        ticker->addTick(y, s.role + QStringLiteral(": ") + row.label);
        const QColor color = okabeItoColor(kRowColors[i]);
        if (std::isfinite(row.low) && std::isfinite(row.high)) {
            lo = std::min(lo, row.low);
            hi = std::max(hi, row.high);
        }
        if (row.hasInterval) {
            // The whisker with its caps, as one curve.
            auto* whisker = new QCPCurve(xAxis, yAxis);
            const double cap = 0.12;
            whisker->setData({0, 1, 2, 3, 4, 5}, {row.low, row.low, row.low, row.high, row.high, row.high},
                             {y - cap, y + cap, y, y, y + cap, y - cap});
            whisker->setPen(QPen(color, 1.6));
            whisker->setName(tr("%1, 95 % CI").arg(row.label));
        }
        auto* dot = new QCPGraph(xAxis, yAxis);
        dot->setLineStyle(QCPGraph::lsNone);
        dot->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, color, 9));
        dot->setData({row.auroc}, {y});
        dot->setName(row.label);
        dot->setPen(QPen(color));

        auto* value = new QCPItemText(this);
        value->position->setType(QCPItemPosition::ptPlotCoords);
        value->position->setCoords(row.auroc, y + 0.2);
        value->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
        value->setText(std::isfinite(row.auroc) ? QString::number(row.auroc, 'f', 2) : tr("n/a"));
        value->setColor(QColor(0x30, 0x30, 0x30));
        QFont small = font();
        small.setPointSizeF(std::max(6.0, small.pointSizeF() - 1));
        value->setFont(small);
        value->setClipToAxisRect(false);
        items_.push_back(value);
    }
    if (lo > hi) {
        lo = 0;
        hi = 100;
    }
    const double span = std::max(hi - lo, 1.0);
    xAxis->setRange(std::max(0.0, lo - 0.12 * span), std::min(100.0, hi + 0.12 * span));
    if (xAxis->range().size() < 0.5)
        xAxis->setRange(xAxis->range().center() - 0.5, xAxis->range().center() + 0.5);
    yAxis->setTicker(ticker);
    yAxis->setRange(-0.6, n - 0.4);
    replot();
}

// --- FamilyHeatmap -------------------------------------------------------------------------------

FamilyHeatmap::FamilyHeatmap(QWidget* parent) : QCustomPlot(parent)
{
    qRegisterMetaType<FamilyMember>("oodlens::FamilyMember");
    setMinimumSize(320, 240);
    setMouseTracking(true);
    title_ = addTitleAndLegendRows(this, 9);
    QFont legendFont = font();
    legendFont.setPointSizeF(std::max(6.0, legendFont.pointSizeF() - 1));
    legend->setFont(legendFont);
    legend->setRowSpacing(0);
    legend->setWrap(2);
    placeholder_ = addPlaceholderText(this);
    fit_ = new PlotFit(this, title_);
    fit_->setPlaceholder(placeholder_);
    styleAxes(this);

    map_ = new QCPColorMap(xAxis, yAxis);
    map_->setInterpolate(false);
    map_->setTightBoundary(false);
    map_->setGradient(viridis());
    scale_ = new QCPColorScale(this);
    // Beside the axes (row 2: below the title and legend rows).
    plotLayout()->addElement(2, 1, scale_);
    plotLayout()->setColumnStretchFactor(1, 0.001);
    scale_->setType(QCPAxis::atRight);
    scale_->setBarWidth(12);
    scale_->axis()->setLabel(tr("AUROC (%)"));
    scale_->axis()->setTickLabelFont(xAxis->tickLabelFont());
    map_->setColorScale(scale_);
    scale_->setGradient(viridis()); // the map takes its scale's gradient
    auto* margins = new QCPMarginGroup(this);
    axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
    scale_->setMarginGroup(QCP::msTop | QCP::msBottom, margins);

    for (QCPAxis* axis : {xAxis, yAxis}) {
        axis->grid()->setVisible(false);
        axis->setTickLength(0, 0);
    }
    yAxis->setRangeReversed(true); // the first row on top
    xAxis->setLabel(tr("Output term \u03c6"));
    yAxis->setLabel(tr("Feature term \u2016h\u2016_q^a"));
    fit_->setShortLabel(yAxis, tr("q, a"));
    fit_->setShortLabel(xAxis, tr("\u03c6"));
    clearMap();
    setAnalysis(nullptr);
}

QString FamilyHeatmap::title() const
{
    return fit_->fullTitle();
}

void FamilyHeatmap::clearMap()
{
    for (QCPAbstractItem* item : items_)
        removeItem(item);
    items_.clear();
    for (QCPGraph* g : marks_)
        removePlottable(g);
    marks_.clear();
    columns_.clear();
    rows_.clear();
    cells_.clear();
    gradientCell_ = bestCell_ = QPointF(-1, -1);
    map_->data()->clear();
}

int FamilyHeatmap::indexAt(int row, int column) const
{
    if (row < 0 || column < 0 || row >= rowCount() || column >= columnCount())
        return -1;
    return cells_[std::size_t(row * columnCount() + column)];
}

double FamilyHeatmap::cellValue(int row, int column) const
{
    const int i = indexAt(row, column);
    return i < 0 ? kNaN : 100 * analysis_->family[std::size_t(i)].metrics.all.auroc;
}

QPointF FamilyHeatmap::cellOf(const FamilyMember& member) const
{
    const auto c = std::find(columns_.begin(), columns_.end(), member.outputTerm);
    for (int r = 0; r < rowCount() && c != columns_.end(); ++r)
        if (rows_[std::size_t(r)].featureTerm == member.featureTerm && rows_[std::size_t(r)].a == member.a)
            return QPointF(double(c - columns_.begin()), r);
    return QPointF(-1, -1);
}

const FamilyResult* FamilyHeatmap::resultAt(const QPoint& pos) const
{
    if (!analysis_ || !axisRect()->rect().contains(pos))
        return nullptr;
    const int c = int(std::lround(xAxis->pixelToCoord(pos.x())));
    const int r = int(std::lround(yAxis->pixelToCoord(pos.y())));
    const int i = indexAt(r, c);
    return i < 0 ? nullptr : &analysis_->family[std::size_t(i)];
}

void FamilyHeatmap::setAnalysis(const FactorAnalysis* analysis)
{
    analysis_ = analysis;
    clearMap();
    const bool empty = !analysis || analysis->family.empty();
    placeholder_->setVisible(empty);
    PlotFit::setMuted(this, empty);
    map_->setVisible(!empty);
    scale_->setVisible(!empty);
    if (empty) {
        title_->setText(tr("The family \u2016h\u2016_q^a \u00d7 \u03c6"));
        placeholder_->setText(tr("No factor analysis yet"));
        xAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
        yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
        replot();
        return;
    }
    title_->setText(tr("AUROC (%) of the family \u2016h\u2016_q^a \u00d7 \u03c6, on %1 (whole sets)")
                        .arg(QString::fromStdString(analysis->ood)));

    // The grid: output terms as columns, (q, a) as rows, in the family's own order (q ascending,
    // then a; registry order of the output terms).
    for (const FamilyResult& f : analysis->family) {
        if (f.member.outputTerm.empty())
            continue; // the feature terms alone are in the factor chart
        if (std::find(columns_.begin(), columns_.end(), f.member.outputTerm) == columns_.end())
            columns_.push_back(f.member.outputTerm);
        const bool known = std::any_of(rows_.begin(), rows_.end(), [&](const RowKey& k) {
            return k.featureTerm == f.member.featureTerm && k.a == f.member.a;
        });
        if (!known)
            rows_.push_back({f.member.featureTerm, f.member.q, f.member.a});
    }
    const int nc = columnCount(), nr = rowCount();
    cells_.assign(std::size_t(nc * nr), -1);
    for (std::size_t i = 0; i < analysis->family.size(); ++i) {
        const QPointF cell = cellOf(analysis->family[i].member);
        if (cell.x() >= 0)
            cells_[std::size_t(int(cell.y()) * nc + int(cell.x()))] = int(i);
    }

    map_->data()->setSize(nc, nr);
    map_->data()->setRange(QCPRange(0, std::max(nc - 1, 0)), QCPRange(0, std::max(nr - 1, 0)));
    double lo = 100, hi = 0;
    for (int r = 0; r < nr; ++r)
        for (int c = 0; c < nc; ++c) {
            const double v = cellValue(r, c);
            map_->data()->setCell(c, r, v);
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        }
    if (lo > hi)
        lo = 0, hi = 100;
    if (hi - lo < 1) {
        lo = std::max(0.0, (lo + hi) / 2 - 0.5);
        hi = lo + 1;
    }
    const QCPRange range(lo, hi);
    map_->setDataRange(range);
    xAxis->setRange(-0.5, nc - 0.5);
    yAxis->setRange(-0.5, nr - 0.5);

    auto xTicks = QSharedPointer<QCPAxisTickerText>::create();
    for (int c = 0; c < nc; ++c)
        xTicks->addTick(c, columnLabel(columns_[std::size_t(c)]));
    xAxis->setTicker(xTicks);
    auto yTicks = QSharedPointer<QCPAxisTickerText>::create();
    for (int r = 0; r < nr; ++r)
        yTicks->addTick(r, familyRowLabel(rows_[std::size_t(r)].featureTerm, rows_[std::size_t(r)].a));
    yAxis->setTicker(yTicks);

    // The value in each cell, dark on light colours and light on dark ones.
    QFont cellFont = font();
    cellFont.setPointSizeF(std::max(6.0, cellFont.pointSizeF() - 1));
    QCPColorGradient gradient = map_->gradient();
    for (int r = 0; r < nr; ++r)
        for (int c = 0; c < nc; ++c) {
            const double v = cellValue(r, c);
            if (indexAt(r, c) < 0)
                continue;
            auto* text = new QCPItemText(this);
            text->position->setType(QCPItemPosition::ptPlotCoords);
            text->position->setCoords(c, r);
            text->setPositionAlignment(Qt::AlignCenter);
            text->setText(std::isfinite(v) ? QString::number(v, 'f', 1) : tr("n/a"));
            const QColor fill = std::isfinite(v) ? QColor(gradient.color(v, range)) : QColor(0xD0, 0xD0, 0xD0);
            text->setColor(fill.lightnessF() > 0.5 ? QColor(0x20, 0x20, 0x20) : Qt::white);
            text->setFont(cellFont);
            items_.push_back(text);
        }
    // The groups of one q apart.
    for (int r = 1; r < nr; ++r)
        if (rows_[std::size_t(r)].featureTerm != rows_[std::size_t(r - 1)].featureTerm) {
            auto* rule = new QCPItemStraightLine(this);
            rule->point1->setCoords(0, r - 0.5);
            rule->point2->setCoords(1, r - 0.5);
            rule->setPen(QPen(Qt::white, 3));
            items_.push_back(rule);
        }

    // The gradient score's own cell: its feature norm at a = 1 times its output term.
    FamilyMember own = analysis->featureMember;
    own.a = 1;
    own.outputTerm = analysis->outputMember.outputTerm;
    gradientCell_ = cellOf(own);
    const QColor vermillion = okabeItoColor(6);
    if (gradientCell_.x() >= 0) {
        auto* outline = new QCPItemRect(this);
        outline->topLeft->setCoords(gradientCell_.x() - 0.47, gradientCell_.y() - 0.47);
        outline->bottomRight->setCoords(gradientCell_.x() + 0.47, gradientCell_.y() + 0.47);
        outline->setPen(QPen(vermillion, 3));
        outline->setBrush(Qt::NoBrush);
        items_.push_back(outline);
        // Its legend entry: a mark drawn nowhere (a NaN point), with the outline's look.
        auto* key = new QCPGraph(xAxis, yAxis);
        key->setLineStyle(QCPGraph::lsNone);
        key->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, QPen(vermillion, 2.5), Qt::NoBrush, 10));
        key->setData({kNaN}, {kNaN});
        key->setName(tr("= %1 (its own factors)").arg(typesetMethodLabel(analysis->gradientLabel)));
        marks_.push_back(key);
    }
    if (analysis->best >= 0 && std::size_t(analysis->best) < analysis->family.size()) {
        const FamilyResult& best = analysis->family[std::size_t(analysis->best)];
        bestCell_ = cellOf(best.member);
        if (bestCell_.x() >= 0) {
            auto* star = new QCPGraph(xAxis, yAxis);
            star->setLineStyle(QCPGraph::lsNone);
            star->setScatterStyle(QCPScatterStyle(starPath(), QPen(Qt::black, 1), QBrush(Qt::white), 11));
            star->setData({bestCell_.x() + 0.36}, {bestCell_.y() - 0.24});
            star->setName(tr("best on validation: %1").arg(typesetMethodLabel(best.metrics.label)));
            marks_.push_back(star);
        }
    }
    for (QCPGraph* g : marks_)
        setFigureLegendEntry(g);
    replot();
}

bool FamilyHeatmap::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        if (const FamilyResult* f = resultAt(help->pos())) {
            QString tip = typesetMethodLabel(f->metrics.label) + QLatin1Char('\n') + metricsTip(f->metrics);
            const QPointF cell = cellOf(f->member);
            if (cell == gradientCell_)
                tip += tr("\nEqual to %1 (its own factors)").arg(typesetMethodLabel(analysis_->gradientLabel));
            if (cell == bestCell_)
                tip += tr("\nBest on the validation part");
            tip += tr("\nClick to make it the current method");
            QToolTip::showText(help->globalPos(), tip, this);
        } else {
            QToolTip::hideText();
            event->ignore();
        }
        return true;
    }
    return QCustomPlot::event(event);
}

void FamilyHeatmap::mousePressEvent(QMouseEvent* event)
{
    pressed_ = event->button() == Qt::LeftButton;
    pressPos_ = event->pos();
    QCustomPlot::mousePressEvent(event);
}

void FamilyHeatmap::mouseReleaseEvent(QMouseEvent* event)
{
    QCustomPlot::mouseReleaseEvent(event);
    if (!pressed_ || event->button() != Qt::LeftButton)
        return;
    pressed_ = false;
    if ((event->pos() - pressPos_).manhattanLength() > QApplication::startDragDistance())
        return;
    if (const FamilyResult* f = resultAt(event->pos()))
        emit memberClicked(f->member);
}

} // namespace oodlens::ui
