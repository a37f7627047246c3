// SPDX-License-Identifier: GPL-3.0-or-later
#include "explore/ScatterView.h"

#include "explore/FlowLayout.h"
#include "plots/PlotDecor.h"
#include "plots/PlotFit.h"

#include "explore/DatasetSlot.h"
#include "docks/MethodLabels.h"
#include "plots/OkabeIto.h"
#include "plots/PlotDecor.h"
#include "methods/Scores.h"
#include "explore/ThumbnailLoader.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <cmath>
#include <limits>

namespace oodlens::ui {
namespace {

bool plottable(double v, bool log)
{
    return std::isfinite(v) && (!log || v > 0);
}

void setLogScale(QCPAxis* axis, bool log)
{
    axis->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (log)
        axis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    else
        axis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
}

} // namespace

ScatterView::ScatterView(Workspace* session, ThumbnailLoader* loader, QWidget* parent)
    : QWidget(parent), session_(session), loader_(loader)
{
    plot_ = new QCustomPlot(this);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->setNoAntialiasingOnDrag(true);
    plot_->legend->setVisible(true);
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    placeholder_ = addPlaceholderText(plot_);
    (new PlotFit(plot_, nullptr, false))->setPlaceholder(placeholder_);

    preset_ = new QComboBox(this);
    preset_->addItem(tr("GradNorm vs non-gradient"), static_cast<int>(Preset::GradientVsNonGradient));
    preset_->addItem(tr("Decomposition plane"), static_cast<int>(Preset::DecompositionPlane));
    preset_->setToolTip(tr("Decomposition plane: ‖h‖₁ against the GradNorm output term on log axes; the "
                           "current GradNorm threshold is a hyperbola there"));
    x_ = new QComboBox(this);
    y_ = new QComboBox(this);
    logX_ = new QCheckBox(tr("log x"), this);
    logY_ = new QCheckBox(tr("log y"), this);
    mode_ = new QComboBox(this);
    mode_->addItem(tr("click"), static_cast<int>(SelectMode::Click));
    mode_->addItem(tr("rectangle"), static_cast<int>(SelectMode::Rectangle));
    mode_->addItem(tr("lasso"), static_cast<int>(SelectMode::Lasso));
    mode_->setToolTip(tr("Click picks one image; rectangle and lasso select images for the gallery"));
    auto* clear = new QPushButton(tr("Clear selection"), this);
    info_ = new QLabel(this);

    // Axes, then options, wrapping onto as many rows as the width needs, so that the view fits
    // beside the inspector; each axis keeps its label beside its combo box.
    auto* controls = new FlowLayout;
    controls->addWidget(preset_);
    for (auto [name, combo] : {std::pair{tr("x"), x_}, std::pair{tr("y"), y_}}) {
        auto* pair = new QWidget(this);
        auto* pairLayout = new QHBoxLayout(pair);
        pairLayout->setContentsMargins(0, 0, 0, 0);
        pairLayout->addWidget(new QLabel(name, pair));
        pairLayout->addWidget(combo);
        controls->addWidget(pair);
    }
    for (QWidget* w : std::initializer_list<QWidget*>{logX_, logY_, mode_, clear})
        controls->addWidget(w);
    info_->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(plot_, 1);
    layout->addWidget(info_);

    hover_ = new QLabel(this, Qt::ToolTip);
    hover_->setMargin(4);
    hover_->setStyleSheet(QStringLiteral("background: white; border: 1px solid gray"));
    hover_->hide();

    connect(preset_, &QComboBox::activated, this,
            [this] { applyPreset(static_cast<Preset>(preset_->currentData().toInt())); });
    for (QComboBox* c : {x_, y_})
        connect(c, &QComboBox::currentIndexChanged, this, &ScatterView::rebuild);
    for (QCheckBox* c : {logX_, logY_})
        connect(c, &QCheckBox::toggled, this, &ScatterView::rebuild);
    connect(mode_, &QComboBox::currentIndexChanged, this,
            [this] { setSelectMode(static_cast<SelectMode>(mode_->currentData().toInt())); });
    connect(clear, &QPushButton::clicked, this, [this] {
        if (session_)
            session_->setSelection({});
    });
    connect(plot_, &QCustomPlot::mousePress, this, &ScatterView::onPress);
    connect(plot_, &QCustomPlot::mouseMove, this, &ScatterView::onMove);
    connect(plot_, &QCustomPlot::mouseRelease, this, &ScatterView::onRelease);
    connect(plot_->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] { updateHyperbola(); });

    connect(session, &Workspace::resultChanged, this, &ScatterView::rebuildControls);
    connect(session, &Workspace::thresholdChanged, this, [this] {
        updateHyperbola();
        plot_->replot(QCustomPlot::rpQueuedReplot);
    });
    connect(session, &Workspace::currentMethodChanged, this, [this] {
        updateHyperbola();
        plot_->replot(QCustomPlot::rpQueuedReplot);
    });
    connect(session, &Workspace::currentImageChanged, this, [this] {
        updateMarkers();
        plot_->replot(QCustomPlot::rpQueuedReplot);
    });
    connect(session, &Workspace::selectionChanged, this, [this] {
        updateMarkers();
        plot_->replot(QCustomPlot::rpQueuedReplot);
    });
    if (loader)
        connect(loader, &ThumbnailLoader::thumbnailReady, this, [this](const ImageRef& ref) {
            if (ref == hoverRef_ && hover_->isVisible())
                showHover(hover_->pos() - QPoint(16, 16), ref);
        });
    rebuildControls();
}

QString ScatterView::xMethod() const
{
    return x_->currentData().toString();
}

QString ScatterView::yMethod() const
{
    return y_->currentData().toString();
}

void ScatterView::rebuildControls()
{
    const RunResultPtr r = session_ ? session_->result() : nullptr;
    {
        const QSignalBlocker bx(x_), by(y_);
        x_->clear();
        y_->clear();
        if (r)
            for (const std::string& m : r->methods)
                for (QComboBox* c : {x_, y_})
                    c->addItem(methodDisplayLabel(m, r->params), QString::fromStdString(m));
    }
    applyPreset(static_cast<Preset>(preset_->currentData().toInt()));
}

void ScatterView::applyPreset(Preset preset)
{
    preset_->setCurrentIndex(preset_->findData(static_cast<int>(preset)));
    const MethodInfo* gradient = primaryGradientMethod();
    if (!gradient)
        return;
    if (preset == Preset::DecompositionPlane) {
        setAxes(QString::fromStdString(gradient->factors->featureTerm), QString::fromStdString(gradient->factors->outputTerm),
                true, true);
        return;
    }
    // The gradient score against the most telling non-gradient score that was computed.
    QString other;
    for (const std::string& m : comparisonMethods())
        if (x_->findData(QString::fromStdString(m)) >= 0) {
            other = QString::fromStdString(m);
            break;
        }
    setAxes(other, QString::fromStdString(gradient->id), false, false);
}

void ScatterView::setAxes(const QString& xMethod, const QString& yMethod, bool logX, bool logY)
{
    {
        const QSignalBlocker b1(x_), b2(y_), b3(logX_), b4(logY_);
        x_->setCurrentIndex(x_->findData(xMethod));
        y_->setCurrentIndex(y_->findData(yMethod));
        logX_->setChecked(logX);
        logY_->setChecked(logY);
    }
    rebuild();
}

void ScatterView::setSelectMode(SelectMode mode)
{
    selectMode_ = mode;
    mode_->setCurrentIndex(mode_->findData(static_cast<int>(mode)));
    // Dragging pans in click mode; in the selection modes a drag draws the shape.
    plot_->setInteraction(QCP::iRangeDrag, mode == SelectMode::Click);
}

std::size_t ScatterView::pointCount() const
{
    std::size_t n = 0;
    for (const Series& s : series_)
        n += s.rows.size();
    return n;
}

void ScatterView::rebuild()
{
    plot_->clearGraphs();
    plot_->clearPlottables();
    series_.clear();
    hidden_ = 0;
    hyperbola_ = selected_ = current_ = nullptr;
    lasso_ = nullptr;
    const RunResultPtr r = session_ ? session_->result() : nullptr;
    const bool logX = logX_->isChecked(), logY = logY_->isChecked();
    setLogScale(plot_->xAxis, logX);
    setLogScale(plot_->yAxis, logY);
    const std::string xm = xMethod().toStdString(), ym = yMethod().toStdString();
    const ScoreParams params = r ? r->params : session_ ? session_->config().params : ScoreParams();
    plot_->xAxis->setLabel(methodDisplayLabel(xm, params));
    plot_->yAxis->setLabel(methodDisplayLabel(ym, params));
    if (r && !xm.empty() && !ym.empty()) {
        // OOD sets first, so the ID set is drawn on top of them.
        std::vector<std::size_t> order(r->oodIndices.rbegin(), r->oodIndices.rend());
        if (r->idIndex >= 0)
            order.push_back(static_cast<std::size_t>(r->idIndex));
        for (std::size_t d : order) {
            const std::vector<double>& xs = r->scoresOf(xm, d);
            const std::vector<double>& ys = r->scoresOf(ym, d);
            const std::size_t n = std::min(xs.size(), ys.size());
            Series s;
            s.dataset = d;
            QVector<QCPGraphData> points;
            points.reserve(static_cast<int>(n));
            for (std::size_t i = 0; i < n; ++i) {
                if (!plottable(xs[i], logX) || !plottable(ys[i], logY)) {
                    ++hidden_;
                    continue;
                }
                s.x.push_back(xs[i]);
                s.y.push_back(ys[i]);
                s.rows.push_back(static_cast<int>(i));
                points.push_back(QCPGraphData(xs[i], ys[i]));
            }
            QColor colour = datasetColor(datasetSlot(*r, d));
            s.graph = plot_->addGraph();
            s.graph->setName(QString::fromStdString(r->datasets[d].name));
            s.graph->setLineStyle(QCPGraph::lsNone);
            // Large sets as single pixels: a disc per point costs ~7x more to draw (bench_explore:
            // 72 ms vs 10 ms per redraw at 100,000 points), and at that density discs only merge.
            const bool dense = n > 20000;
            if (!dense)
                colour.setAlpha(160);
            s.graph->setScatterStyle(
                QCPScatterStyle(dense ? QCPScatterStyle::ssDot : QCPScatterStyle::ssDisc, colour, colour, 4));
            s.graph->setPen(QPen(colour));
            s.graph->setAdaptiveSampling(true);
            s.graph->setAntialiasedScatters(!dense);
            s.graph->data()->set(points, false);
            series_.push_back(std::move(s));
        }
        bool first = true;
        for (const Series& s : series_) {
            s.graph->rescaleAxes(!first);
            first = false;
        }
    }
    hyperbola_ = plot_->addGraph();
    hyperbola_->setName(tr("GradNorm threshold"));
    hyperbola_->setPen(QPen(Qt::black, 1.5, Qt::DashLine));
    selected_ = plot_->addGraph();
    selected_->setLineStyle(QCPGraph::lsNone);
    selected_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(Qt::black, 1), Qt::NoBrush, 6));
    selected_->removeFromLegend();
    current_ = plot_->addGraph();
    current_->setLineStyle(QCPGraph::lsNone);
    current_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(Qt::black, 2.5), Qt::NoBrush, 14));
    current_->removeFromLegend();
    lasso_ = new QCPCurve(plot_->xAxis, plot_->yAxis);
    lasso_->setPen(QPen(Qt::black, 1, Qt::DotLine));
    lasso_->removeFromLegend();
    // The marks of picking and selecting belong to the window, not to exported figures.
    for (QCPAbstractPlottable* mark : std::initializer_list<QCPAbstractPlottable*>{selected_, current_, lasso_})
        setPlotRole(mark, PlotRole::Interaction);
    updateHyperbola();
    updateMarkers();
    info_->setText(tr("%n point(s)", nullptr, static_cast<int>(pointCount())) +
                   (hidden_ ? tr("; %n not shown (not finite, or ≤ 0 on a log axis)", nullptr, static_cast<int>(hidden_))
                            : QString()) +
                   tr(". Drawing is decimated where points overlap; picking uses every point."));
    // With nothing to draw, say why on muted axes.
    const bool empty = pointCount() == 0;
    placeholder_->setText(!r ? tr("Run the analysis to see every image's scores, one method against another")
                             : tr("No image has finite scores of both methods"));
    placeholder_->setVisible(empty);
    plot_->legend->setVisible(!empty);
    PlotFit::setMuted(plot_, empty);
    plot_->replot();
}

bool ScatterView::showsHyperbola() const
{
    return hyperbola_ && hyperbola_->visible() && hyperbola_->dataCount() > 0;
}

void ScatterView::updateHyperbola()
{
    if (!hyperbola_)
        return;
    hyperbola_->data()->clear();
    const RunResultPtr r = session_ ? session_->result() : nullptr;
    // The current method's threshold is a hyperbola on its own decomposition plane.
    const Factors* factors = session_ ? factorsOf(session_->currentMethod().toStdString()) : nullptr;
    const bool applies = r && factors && xMethod().toStdString() == factors->featureTerm &&
                         yMethod().toStdString() == factors->outputTerm && session_->threshold() > 0;
    hyperbola_->setVisible(applies);
    if (applies)
        hyperbola_->addToLegend();
    else
        hyperbola_->removeFromLegend();
    if (!applies)
        return;
    // score = featureTerm * outputTerm * scale (GradNorm: scale 1/T), so the threshold is the
    // curve outputTerm = threshold / (scale * featureTerm).
    const double scale = factors->scale ? factors->scale(r->params.resolve(session_->currentMethod().toStdString())) : 1.0;
    const double c = session_->threshold() / scale;
    const QCPRange range = plot_->xAxis->range();
    const double lo = std::max(range.lower, 1e-12), hi = std::max(range.upper, lo * 1.0001);
    const bool log = logX_->isChecked();
    QVector<double> xs, ys;
    for (int i = 0; i <= 200; ++i) {
        const double t = i / 200.0;
        const double x = log ? lo * std::pow(hi / lo, t) : lo + (hi - lo) * t;
        xs.push_back(x);
        ys.push_back(c / x);
    }
    hyperbola_->setData(xs, ys, true);
}

void ScatterView::updateMarkers()
{
    if (!current_ || !selected_)
        return;
    const RunResultPtr r = session_ ? session_->result() : nullptr;
    auto plotPoint = [&](const ImageRef& ref, QCPGraph* g) {
        if (!r || !ref.isValid())
            return;
        const std::vector<double>& xs = r->scoresOf(xMethod().toStdString(), static_cast<std::size_t>(ref.dataset));
        const std::vector<double>& ys = r->scoresOf(yMethod().toStdString(), static_cast<std::size_t>(ref.dataset));
        const auto row = static_cast<std::size_t>(ref.row);
        if (row < xs.size() && row < ys.size() && plottable(xs[row], logX_->isChecked()) &&
            plottable(ys[row], logY_->isChecked()))
            g->addData(xs[row], ys[row]);
    };
    current_->data()->clear();
    selected_->data()->clear();
    if (!session_)
        return;
    plotPoint(session_->currentImage(), current_);
    for (const ImageRef& ref : session_->selection())
        plotPoint(ref, selected_);
}

QPointF ScatterView::pixelOf(const ImageRef& image) const
{
    for (const Series& s : series_) {
        if (static_cast<int>(s.dataset) != image.dataset)
            continue;
        const auto it = std::lower_bound(s.rows.begin(), s.rows.end(), image.row);
        if (it == s.rows.end() || *it != image.row)
            break;
        const std::size_t i = static_cast<std::size_t>(it - s.rows.begin());
        return {plot_->xAxis->coordToPixel(s.x[i]), plot_->yAxis->coordToPixel(s.y[i])};
    }
    return {-1, -1};
}

ImageRef ScatterView::imageNear(const QPointF& pixel, double radius) const
{
    ImageRef best;
    double bestD = radius * radius;
    // Later series are drawn on top, so they win ties.
    for (const Series& s : series_)
        for (std::size_t i = 0; i < s.rows.size(); ++i) {
            const double dx = plot_->xAxis->coordToPixel(s.x[i]) - pixel.x();
            const double dy = plot_->yAxis->coordToPixel(s.y[i]) - pixel.y();
            const double d = dx * dx + dy * dy;
            if (d <= bestD) {
                bestD = d;
                best = {static_cast<int>(s.dataset), s.rows[i]};
            }
        }
    return best;
}

QVector<ImageRef> ScatterView::imagesInPolygon(const QPolygonF& pixels) const
{
    QVector<ImageRef> out;
    if (pixels.size() < 3)
        return out;
    const QRectF bounds = pixels.boundingRect();
    for (const Series& s : series_)
        for (std::size_t i = 0; i < s.rows.size(); ++i) {
            const QPointF p(plot_->xAxis->coordToPixel(s.x[i]), plot_->yAxis->coordToPixel(s.y[i]));
            if (bounds.contains(p) && pixels.containsPoint(p, Qt::OddEvenFill))
                out.push_back({static_cast<int>(s.dataset), s.rows[i]});
        }
    return out;
}

void ScatterView::onPress(QMouseEvent* event)
{
    pressPos_ = event->pos();
    if (event->button() != Qt::LeftButton || selectMode_ == SelectMode::Click)
        return;
    dragging_ = true;
    drag_.clear();
    drag_ << QPointF(event->pos());
}

void ScatterView::onMove(QMouseEvent* event)
{
    if (dragging_) {
        const QPointF p(event->pos());
        if (selectMode_ == SelectMode::Rectangle) {
            const QPointF a = drag_.front();
            drag_ = QPolygonF({a, QPointF(p.x(), a.y()), p, QPointF(a.x(), p.y())});
        } else {
            drag_ << p;
        }
        lasso_->data()->clear();
        for (const QPointF& q : drag_)
            lasso_->addData(plot_->xAxis->pixelToCoord(q.x()), plot_->yAxis->pixelToCoord(q.y()));
        lasso_->addData(plot_->xAxis->pixelToCoord(drag_.front().x()), plot_->yAxis->pixelToCoord(drag_.front().y()));
        plot_->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    if (event->buttons() != Qt::NoButton)
        return;
    const ImageRef ref = imageNear(QPointF(event->pos()), 6);
    if (!ref.isValid()) {
        hover_->hide();
        hoverRef_ = ImageRef();
        return;
    }
    if (ref != hoverRef_ || !hover_->isVisible())
        showHover(event->pos(), ref);
}

void ScatterView::showHover(const QPoint& pos, const ImageRef& ref)
{
    hoverRef_ = ref;
    const RunResultPtr r = session_ ? session_->result() : nullptr;
    if (!r)
        return;
    const auto d = static_cast<std::size_t>(ref.dataset);
    const QImage thumb = loader_ ? loader_->thumbnail(ref) : QImage();
    const std::vector<double>& xs = r->scoresOf(xMethod().toStdString(), d);
    const std::vector<double>& ys = r->scoresOf(yMethod().toStdString(), d);
    const QString text = QStringLiteral("%1 #%2\nx %3\ny %4")
                             .arg(QString::fromStdString(r->datasets[d].name))
                             .arg(ref.row)
                             .arg(xs[static_cast<std::size_t>(ref.row)], 0, 'g', 5)
                             .arg(ys[static_cast<std::size_t>(ref.row)], 0, 'g', 5);
    if (thumb.isNull()) {
        hover_->setText(text);
    } else {
        // Image above, caption below, in one pixmap so the label needs no layout.
        QPixmap pm(qMax(thumb.width(), 120), thumb.height() + 3 * fontMetrics().height() + 6);
        pm.fill(Qt::white);
        QPainter p(&pm);
        p.drawImage((pm.width() - thumb.width()) / 2, 0, thumb);
        p.drawText(QRect(0, thumb.height() + 2, pm.width(), pm.height() - thumb.height()), Qt::AlignHCenter, text);
        p.end();
        hover_->setPixmap(pm);
    }
    hover_->adjustSize();
    hover_->move(plot_->mapToGlobal(pos) + QPoint(16, 16));
    hover_->show();
}

void ScatterView::onRelease(QMouseEvent* event)
{
    if (dragging_) {
        dragging_ = false;
        const QVector<ImageRef> picked = imagesInPolygon(drag_);
        lasso_->data()->clear();
        drag_.clear();
        plot_->replot(QCustomPlot::rpQueuedReplot);
        if (session_)
            session_->setSelection(picked);
        return;
    }
    if (event->button() != Qt::LeftButton || (event->pos() - pressPos_).manhattanLength() > 3)
        return; // a pan, not a click
    const ImageRef ref = imageNear(QPointF(event->pos()), 8);
    if (ref.isValid() && session_)
        session_->setCurrentImage(ref);
}

} // namespace oodlens::ui
