// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/FigureExport.h"

#include "plots/PlotDecor.h"
#include "plots/PlotFit.h"
#include "plots/PrView.h"
#include "plots/RocView.h"

#include <QApplication>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFontInfo>
#include <QImage>
#include <QPainter>
#include <QPageSize>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <qcustomplot.h>

#include <algorithm>
#include <cctype>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <typeinfo>
#include <vector>

namespace oodlens::ui {

namespace {

// Layout happens in 96-per-inch units for every format, so PDF, SVG and PNG look alike.
constexpr double kLogicalDpi = 96.0;
// More entries than this leave the corners of the plot area for a legend beside it (Auto).
constexpr int kMaxCornerEntries = 6;

void setError(QString* error, const QString& text)
{
    if (error)
        *error = text;
}

// A plot that is never shown: the figure is drawn into it from the source plots, laid out at the
// figure's size and painted into the file.
class FigurePlot : public QCustomPlot {
public:
    FigurePlot()
    {
        setAttribute(Qt::WA_DontShowOnScreen);
        setNoAntialiasingOnDrag(false);
        setAntialiasedElements(QCP::aeAll);
        setAutoAddPlottableToLegend(false);
    }
    void layoutAt(const QSize& size)
    {
        setViewport(QRect(QPoint(), size));
        updateLayout();
    }
};

QFont sized(const QString& family, double points, bool bold = false)
{
    QFont font(family);
    font.setPointSizeF(std::max(4.0, points));
    font.setBold(bold);
    // One family for every glyph, so the PDF embeds the font the figure names.
    font.setStyleStrategy(QFont::StyleStrategy(QFont::PreferOutline | QFont::NoFontMerging));
    // Unhinted metrics are the ones a PDF or SVG reader uses: text measured for the layout then
    // fits where it is drawn.
    font.setHintingPreference(QFont::PreferNoHinting);
    return font;
}

void copyPosition(const QCPItemPosition* from, QCPItemPosition* to, QCPAxisRect* rect)
{
    to->setAxisRect(rect);
    const QCPAxis* key = from->keyAxis();
    const QCPAxis* value = from->valueAxis();
    to->setAxes(rect->axis(key ? key->axisType() : QCPAxis::atBottom),
                rect->axis(value ? value->axisType() : QCPAxis::atLeft));
    to->setTypeX(from->typeX());
    to->setTypeY(from->typeY());
    to->setCoords(from->coords());
}

// A ticker of the figure's own (the figure may ask for fewer ticks than the window shows).
QSharedPointer<QCPAxisTicker> copyTicker(const QSharedPointer<QCPAxisTicker>& from)
{
    QSharedPointer<QCPAxisTicker> to;
    if (auto log = from.dynamicCast<QCPAxisTickerLog>()) {
        auto copy = QSharedPointer<QCPAxisTickerLog>::create();
        copy->setLogBase(log->logBase());
        copy->setSubTickCount(log->subTickCount());
        to = copy;
    } else if (typeid(*from) == typeid(QCPAxisTicker)) {
        to = QSharedPointer<QCPAxisTicker>::create();
    } else {
        return from; // dates, text and fixed tickers: kept as they are
    }
    to->setTickCount(from->tickCount());
    to->setTickOrigin(from->tickOrigin());
    to->setTickStepStrategy(from->tickStepStrategy());
    return to;
}

// The short form of a figure axis' label (the window's PlotFit::shortLabel), kept on the axis.
constexpr char kShortLabelProperty[] = "oodlensShortLabel";

// Fits the axis labels of a plot area to their axes by the window's rule (PlotFit::fittedLabel):
// the full label, else its short form, else that form's first part, else elided. When one label
// is shortened, both are, so that the axes read alike.
void fitAxisLabels(QCPAxisRect* rect)
{
    const QRect r = rect->rect();
    auto length = [&](const QCPAxis* a) { return (a->orientation() == Qt::Horizontal ? r.width() : r.height()) + 10; };
    bool shorten = false;
    for (QCPAxis* a : rect->axes())
        shorten = shorten || QFontMetrics(a->labelFont()).horizontalAdvance(a->label()) > length(a);
    if (!shorten)
        return;
    for (QCPAxis* a : rect->axes()) {
        const QString shortText = a->property(kShortLabelProperty).toString();
        const QString text = shortText.isEmpty() ? a->label() : shortText;
        a->setLabel(PlotFit::fittedLabel(text, shortText, QFontMetrics(a->labelFont()), length(a)));
    }
}

// Fewer ticks on a short axis, so that tick labels never run into each other.
void fitTickCount(QCPAxis* axis, int length)
{
    if (axis->scaleType() != QCPAxis::stLinear || !axis->tickLabels())
        return;
    const QFontMetrics metrics(axis->tickLabelFont());
    int room;
    if (axis->orientation() == Qt::Horizontal) {
        const QCPRange range = axis->range();
        const int precision = std::max(1, axis->numberPrecision());
        int widest = 0;
        for (double v : {range.lower, range.upper, (range.lower + range.upper) / 2})
            widest = std::max(widest, metrics.horizontalAdvance(QString::number(v, 'g', std::min(precision, 4))));
        room = 2 * widest + metrics.horizontalAdvance(QStringLiteral("00"));
    } else {
        room = 3 * metrics.height();
    }
    // At least 3: with 2, a "nice" step can leave a single tick label inside the range.
    axis->ticker()->setTickCount(std::clamp(length / std::max(1, room), 3, 5));
}

void copyAxis(const QCPAxis* from, QCPAxis* to, const QString& family, double points)
{
    to->setVisible(from->visible());
    // The label as the view set it, not as shortened for the window's size.
    const auto* fit = from->parentPlot()->findChild<PlotFit*>(QString(), Qt::FindDirectChildrenOnly);
    to->setLabel(fit ? fit->fullLabel(const_cast<QCPAxis*>(from)) : from->label());
    to->setProperty(kShortLabelProperty, fit ? fit->shortLabel(const_cast<QCPAxis*>(from)) : QString());
    to->setScaleType(from->scaleType());
    to->setTicker(copyTicker(from->ticker()));
    to->setRange(from->range());
    to->setRangeReversed(from->rangeReversed());
    to->setNumberFormat(from->numberFormat());
    to->setNumberPrecision(from->numberPrecision());
    to->setTicks(from->ticks());
    to->setTickLabels(from->tickLabels());
    to->setSubTicks(from->subTicks());
    to->setTickLabelRotation(from->tickLabelRotation());
    to->grid()->setVisible(from->grid()->visible());
    to->grid()->setSubGridVisible(from->grid()->subGridVisible());
    to->grid()->setPen(from->grid()->pen());
    to->grid()->setZeroLinePen(from->grid()->zeroLinePen());
    to->setLabelFont(sized(family, points));
    to->setTickLabelFont(sized(family, points - 1));
    to->setLabelPadding(3);
    to->setTickLabelPadding(3);
}

// The source plot's title, from its title element.
QString titleOf(QCustomPlot* plot)
{
    for (QCPLayoutElement* element : plot->plotLayout()->elements(true))
        if (auto* text = qobject_cast<QCPTextElement*>(element))
            if (plotRoleOf(text) == PlotRole::Title)
                return text->text();
    return {};
}

// One panel of the figure: a copy of one source plot.
struct Panel {
    QCustomPlot* source = nullptr;
    QCPLayoutGrid* grid = nullptr; // heading row, legend-above row, [axis rect | legend outside]
    QCPLayoutGrid* area = nullptr; // holds the axis rect; its margins make the plot area square
    QCPAxisRect* rect = nullptr;
    QCPLegend* legend = nullptr;
    QCPTextElement* heading = nullptr;
    std::vector<QCPAbstractPlottable*> entries; // figure plottables that belong in the legend
    std::vector<QCPItemText*> labels;            // texts at data coordinates (the threshold's)
    LegendPlacement placement = LegendPlacement::None;
    bool square = false;
    int plottables = 0;
    int omitted = 0;
    int shown = 0;
};

// Copies the data of `source` (its first axis rect) into `panel.rect`: graphs and curves (their
// data shared, not copied), colour maps (their cells; a colour scale is not copied, so a heatmap
// writes its values in its cells), the tracers, lines, rectangles and texts of the data, and the axes.
void copyContents(Panel& panel, const FigureOptions& options, const QString& family, double points)
{
    QCustomPlot* source = panel.source;
    QCPAxisRect* from = source->axisRect();
    QCPAxisRect* rect = panel.rect;
    for (QCPAxis::AxisType type : {QCPAxis::atBottom, QCPAxis::atLeft, QCPAxis::atTop, QCPAxis::atRight})
        if (QCPAxis* a = from->axis(type))
            copyAxis(a, rect->axis(type), family, points);
    QCustomPlot* fig = rect->parentPlot();
    for (int i = 0; i < source->plottableCount(); ++i) {
        QCPAbstractPlottable* p = source->plottable(i);
        if (!p->visible() || !p->keyAxis() || p->keyAxis()->axisRect() != from ||
            plotRoleOf(p) == PlotRole::Interaction)
            continue;
        QCPAxis* key = rect->axis(p->keyAxis()->axisType());
        QCPAxis* value = rect->axis(p->valueAxis()->axisType());
        QCPAbstractPlottable* copy = nullptr;
        if (auto* g = qobject_cast<QCPGraph*>(p)) {
            if (g->dataCount() == 0)
                continue;
            auto* c = new QCPGraph(key, value);
            c->setData(g->data());
            c->setLineStyle(g->lineStyle());
            c->setScatterStyle(g->scatterStyle());
            c->setScatterSkip(g->scatterSkip());
            c->setAdaptiveSampling(g->adaptiveSampling());
            c->setAntialiasedScatters(g->antialiasedScatters());
            copy = c;
        } else if (auto* k = qobject_cast<QCPCurve*>(p)) {
            if (k->dataCount() == 0)
                continue;
            auto* c = new QCPCurve(key, value);
            c->setData(k->data());
            c->setLineStyle(k->lineStyle());
            c->setScatterStyle(k->scatterStyle());
            c->setScatterSkip(k->scatterSkip());
            copy = c;
        } else if (auto* m = qobject_cast<QCPColorMap*>(p)) {
            // The factor analysis's family heatmap: its cells as they are (a copy of the data).
            auto* c = new QCPColorMap(key, value);
            c->setData(new QCPColorMapData(*m->data()));
            c->setGradient(m->gradient());
            c->setDataRange(m->dataRange());
            c->setDataScaleType(m->dataScaleType());
            c->setInterpolate(m->interpolate());
            c->setTightBoundary(m->tightBoundary());
            copy = c;
        } else {
            continue; // bars, boxes: not used by OOD Lens plots
        }
        copy->setName(p->name());
        copy->setPen(p->pen());
        copy->setBrush(p->brush());
        copy->setAntialiased(true);
        copy->setAntialiasedFill(true);
        ++panel.plottables;
        if (!p->name().isEmpty() && isFigureLegendEntry(p))
            panel.entries.push_back(copy);
    }
    for (int i = 0; i < source->itemCount(); ++i) {
        QCPAbstractItem* item = source->item(i);
        if (!item->visible())
            continue;
        const PlotRole role = plotRoleOf(item);
        if (role == PlotRole::Title || role == PlotRole::Interaction || (role == PlotRole::Note && !options.notes))
            continue;
        QCPAbstractItem* copy = nullptr;
        if (auto* t = qobject_cast<QCPItemText*>(item)) {
            auto* c = new QCPItemText(fig);
            copyPosition(t->position, c->position, rect);
            c->setText(t->text());
            c->setFont(sized(family, points - (role == PlotRole::Placeholder ? 0 : 1.5)));
            c->setColor(t->color());
            c->setPen(t->pen());
            c->setBrush(t->brush());
            c->setPadding(t->padding());
            c->setPositionAlignment(t->positionAlignment());
            c->setTextAlignment(t->textAlignment());
            c->setRotation(t->rotation());
            if (c->position->typeX() == QCPItemPosition::ptPlotCoords)
                panel.labels.push_back(c);
            copy = c;
        } else if (auto* t = qobject_cast<QCPItemTracer*>(item)) {
            auto* c = new QCPItemTracer(fig);
            copyPosition(t->position, c->position, rect);
            c->setStyle(t->style());
            c->setSize(t->size() * 0.8);
            c->setPen(t->pen());
            c->setBrush(t->brush());
            copy = c;
        } else if (auto* r = qobject_cast<QCPItemRect*>(item)) {
            auto* c = new QCPItemRect(fig);
            copyPosition(r->topLeft, c->topLeft, rect);
            copyPosition(r->bottomRight, c->bottomRight, rect);
            c->setPen(r->pen());
            c->setBrush(r->brush());
            copy = c;
        } else if (auto* l = qobject_cast<QCPItemStraightLine*>(item)) {
            auto* c = new QCPItemStraightLine(fig);
            copyPosition(l->point1, c->point1, rect);
            copyPosition(l->point2, c->point2, rect);
            c->setPen(l->pen());
            copy = c;
        } else {
            continue;
        }
        copy->setClipAxisRect(rect);
        copy->setClipToAxisRect(item->clipToAxisRect());
    }
}

Qt::Alignment cornerOf(LegendPlacement placement)
{
    switch (placement) {
    case LegendPlacement::TopLeft: return Qt::AlignTop | Qt::AlignLeft;
    case LegendPlacement::BottomRight: return Qt::AlignBottom | Qt::AlignRight;
    case LegendPlacement::BottomLeft: return Qt::AlignBottom | Qt::AlignLeft;
    default: return Qt::AlignTop | Qt::AlignRight;
    }
}

// How much of the curves in `rect` lies in `region` (fractions of the axes' ranges, y up): their
// points and points along their segments, so that a long straight piece counts too.
int curvePointsIn(const QCPAxisRect* rect, const QRectF& region)
{
    const QCPRange xr = rect->axis(QCPAxis::atBottom)->range(), yr = rect->axis(QCPAxis::atLeft)->range();
    if (xr.size() <= 0 || yr.size() <= 0)
        return 0;
    int n = 0;
    auto visit = [&](double x0, double y0, double x1, double y1) {
        constexpr int kSteps = 16;
        for (int k = 0; k < kSteps; ++k) {
            const double t = double(k) / kSteps;
            const double fx = (x0 + t * (x1 - x0) - xr.lower) / xr.size(), fy = (y0 + t * (y1 - y0) - yr.lower) / yr.size();
            n += region.contains(QPointF(fx, fy));
        }
    };
    for (QCPAbstractPlottable* p : rect->plottables()) {
        if (auto* curve = qobject_cast<QCPCurve*>(p)) {
            const auto data = curve->data();
            for (auto it = data->constBegin(); it != data->constEnd(); ++it)
                if (it + 1 != data->constEnd())
                    visit(it->key, it->value, (it + 1)->key, (it + 1)->value);
        } else if (auto* graph = qobject_cast<QCPGraph*>(p)) {
            const auto data = graph->data();
            for (auto it = data->constBegin(); it != data->constEnd(); ++it)
                if (it + 1 != data->constEnd())
                    visit(it->key, it->value, (it + 1)->key, (it + 1)->value);
        }
    }
    return n;
}

LegendPlacement resolvePlacement(const Panel& panel, LegendPlacement asked, bool several)
{
    if (panel.entries.empty())
        return LegendPlacement::None;
    if (asked != LegendPlacement::Auto)
        return asked;
    // Panels side by side are too narrow for a legend beside them: above, in rows.
    if (int(panel.entries.size()) > kMaxCornerEntries)
        return several ? LegendPlacement::Above : LegendPlacement::Outside;
    // The corner the curves leave emptiest, in the order where curves usually leave room (ROC
    // curves above the diagonal, ID-positive precision-recall curves high on the left, low on the
    // right); a curve below the diagonal (AUROC < 50 %) moves the legend out of its way.
    const bool roc = qobject_cast<RocView*>(panel.source) != nullptr;
    if (!roc && !qobject_cast<PrView*>(panel.source))
        return LegendPlacement::Above;
    using Order = std::array<LegendPlacement, 4>;
    const Order order = roc ? Order{LegendPlacement::BottomRight, LegendPlacement::TopLeft, LegendPlacement::BottomLeft,
                                    LegendPlacement::TopRight}
                            : Order{LegendPlacement::BottomLeft, LegendPlacement::BottomRight, LegendPlacement::TopRight,
                                    LegendPlacement::TopLeft};
    // The region a corner legend takes, as a fraction of the axes: half the width, a row per entry.
    const double w = 0.5, h = std::min(0.5, 0.06 + 0.08 * double(panel.entries.size()));
    LegendPlacement best = order.front();
    int fewest = std::numeric_limits<int>::max();
    for (LegendPlacement corner : order) {
        const Qt::Alignment a = cornerOf(corner);
        const double x0 = (a & Qt::AlignLeft) ? 0.0 : 1.0 - w, y0 = (a & Qt::AlignBottom) ? 0.0 : 1.0 - h;
        const int n = curvePointsIn(panel.rect, QRectF(x0, y0, w, h));
        if (n < fewest) {
            fewest = n;
            best = corner;
        }
    }
    return best;
}

bool isCorner(LegendPlacement placement)
{
    return placement == LegendPlacement::TopRight || placement == LegendPlacement::TopLeft ||
           placement == LegendPlacement::BottomRight || placement == LegendPlacement::BottomLeft;
}

// Fills the panel's legend with as many entries as fit in maxSize, in rows (above the axes) or
// columns (beside them, or in a corner), and "+N more" for the rest.
void fillLegend(Panel& panel, const QSize& maxSize, const QString& family, double points)
{
    QCPLegend* legend = panel.legend;
    const int n = int(panel.entries.size());
    for (QCPAbstractPlottable* p : panel.entries)
        p->addToLegend(legend);
    // Names longer than the legend may be are elided (the copies' names: the window keeps its own).
    const QMargins m = legend->margins();
    const int maxItemW = maxSize.width() - m.left() - m.right();
    const QFontMetrics metrics(legend->font());
    for (QCPAbstractPlottable* p : panel.entries) {
        const int w = static_cast<QCPLayoutElement*>(legend->itemWithPlottable(p))->minimumOuterSizeHint().width();
        if (w > maxItemW) {
            const int overhead = w - metrics.horizontalAdvance(p->name());
            // In the middle: the end holds the AUROC or count that the entry is there for.
            p->setName(metrics.elidedText(p->name(), Qt::ElideMiddle, std::max(20, maxItemW - overhead)));
        }
    }
    int itemW = 1, itemH = 1;
    for (int i = 0; i < legend->itemCount(); ++i) {
        const QSize s = legend->item(i)->minimumOuterSizeHint();
        itemW = std::max(itemW, s.width());
        itemH = std::max(itemH, s.height());
    }
    const int rowsFit =
        std::max(1, (maxSize.height() - m.top() - m.bottom() + legend->rowSpacing()) / (itemH + legend->rowSpacing()));
    const int colsFit = std::max(
        1, (maxSize.width() - m.left() - m.right() + legend->columnSpacing()) / (itemW + legend->columnSpacing()));
    const int capacity = rowsFit * colsFit;
    int shown = n;
    if (n > capacity) {
        shown = std::max(1, capacity - 1);
        for (int i = shown; i < n; ++i)
            legend->removeItem(legend->itemWithPlottable(panel.entries[std::size_t(i)]));
        auto* more = new TextLegendItem(legend, moreEntriesText(n - shown));
        more->setFont(sized(family, points - 1));
        legend->addItem(more);
    }
    panel.shown = shown;
    panel.omitted = n - shown;
    const int total = legend->itemCount();
    if (panel.placement == LegendPlacement::Above) {
        legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, false);
        legend->setWrap(std::min(colsFit, total));
    } else {
        legend->setFillOrder(QCPLayoutGrid::foRowsFirst, false);
        legend->setWrap(std::min(rowsFit, total));
    }
    legend->setFillOrder(legend->fillOrder(), true);
}

// Moves the plot area in from the sides (or top and bottom) until it is square.
void makeSquare(FigurePlot& fig, const QSize& size, std::vector<Panel>& panels)
{
    for (int pass = 0; pass < 4; ++pass) {
        fig.layoutAt(size);
        bool done = true;
        for (Panel& p : panels) {
            if (!p.square)
                continue;
            const QRect r = p.rect->rect();
            const int d = r.width() - r.height();
            if (d == 0)
                continue;
            done = false;
            // Only the plot area's cell narrows or lowers: a legend above keeps its width. A
            // legend beside the plot keeps to it, the whole block centred.
            QMargins m = p.area->margins();
            if (d > 0) {
                if (p.placement == LegendPlacement::Outside) {
                    QMargins g = p.grid->margins();
                    g.setRight(g.right() + d - d / 2);
                    p.grid->setMargins(g);
                } else {
                    m.setRight(m.right() + d - d / 2);
                }
                m.setLeft(m.left() + d / 2);
            } else {
                m.setTop(m.top() - d / 2);
                m.setBottom(m.bottom() - d + d / 2);
            }
            p.area->setMargins(m);
        }
        if (done)
            break;
    }
    fig.layoutAt(size);
}

// Builds the figure of `sources` in `fig` at `size` (1/96 inch).
void buildFigure(FigurePlot& fig, const std::vector<QCustomPlot*>& sources, const FigureOptions& options,
                 const QSize& size, const QString& family, double points, FigureReport* report)
{
    fig.setBackground(Qt::white);
    fig.legend->setVisible(false);
    fig.plotLayout()->setMargins(QMargins(0, 0, 0, 0));
    fig.plotLayout()->setColumnSpacing(8);
    QCPAxisRect* first = fig.axisRect();
    fig.plotLayout()->take(first);
    fig.plotLayout()->simplify();
    const bool several = sources.size() > 1;
    std::vector<Panel> panels(sources.size());
    for (std::size_t i = 0; i < sources.size(); ++i) {
        Panel& p = panels[i];
        p.source = sources[i];
        p.grid = new QCPLayoutGrid;
        fig.plotLayout()->addElement(0, int(i), p.grid);
        p.grid->setRowSpacing(2);
        p.grid->setColumnSpacing(4);
        p.rect = i == 0 ? first : new QCPAxisRect(&fig);
        // Rows: heading, legend above, plot area (and a legend beside it). Only the plot area
        // takes the height that is left.
        p.area = new QCPLayoutGrid;
        p.grid->addElement(2, 0, p.area);
        p.area->addElement(0, 0, p.rect);
        p.grid->setRowStretchFactor(0, 0.001);
        p.grid->setRowStretchFactor(1, 0.001);
        copyContents(p, options, family, points);
        p.square = options.squareCurves && (qobject_cast<RocView*>(p.source) || qobject_cast<PrView*>(p.source));

        QString heading;
        if (several && options.panelLetters)
            heading = QStringLiteral("(%1)").arg(QChar(char16_t(u'a' + int(i))));
        if (options.titles) {
            const QString title = titleOf(p.source);
            if (!title.isEmpty())
                heading += (heading.isEmpty() ? QString() : QStringLiteral(" ")) + title;
        }
        if (!heading.isEmpty()) {
            p.heading = new QCPTextElement(&fig, heading, sized(family, points, true));
            p.heading->setTextFlags(int(several ? Qt::AlignLeft : Qt::AlignHCenter) | Qt::AlignVCenter);
            p.heading->setMargins(QMargins(2, 0, 2, 1));
            p.grid->addElement(0, 0, p.heading);
        }
        p.placement = resolvePlacement(p, options.legend, several);
    }
    // The plot areas without legends, to size the legends against.
    fig.layoutAt(size);
    for (Panel& p : panels) {
        if (p.placement == LegendPlacement::None)
            continue;
        p.legend = new QCPLegend;
        const QRect panelRect = p.grid->rect();
        const QRect inner = p.rect->rect();
        // A legend inside the plot area that would take most of its width goes above. (Beside it,
        // long names are elided instead.)
        if (isCorner(p.placement)) {
            const QFontMetrics metrics(sized(family, points - 1));
            int widest = 0;
            for (QCPAbstractPlottable* e : p.entries)
                widest = std::max(widest, metrics.horizontalAdvance(e->name()) + 18 + 4 + 8);
            if (widest > inner.width() * 0.65)
                p.placement = LegendPlacement::Above;
        }
        QSize maxSize;
        if (p.placement == LegendPlacement::Above) {
            p.grid->addElement(1, 0, p.legend);
            maxSize = QSize(panelRect.width(), int(panelRect.height() * 0.3));
        } else if (p.placement == LegendPlacement::Outside) {
            p.grid->addElement(2, 1, p.legend);
            p.grid->setColumnStretchFactor(1, 0.001);
            maxSize = QSize(int(panelRect.width() * 0.45), p.rect->outerRect().height());
        } else {
            p.rect->insetLayout()->addElement(p.legend, cornerOf(p.placement));
            p.rect->insetLayout()->setMargins(QMargins(4, 4, 4, 4)); // close to the corner
            maxSize = QSize(int(inner.width() * 0.65), int(inner.height() * 0.9));
        }
        p.legend->setLayer(QStringLiteral("legend"));
        p.legend->setFont(sized(family, points - 1));
        p.legend->setIconSize(QSize(18, 9));
        p.legend->setIconTextPadding(4);
        p.legend->setRowSpacing(0);
        p.legend->setColumnSpacing(8);
        p.legend->setMargins(QMargins(4, 2, 4, 2));
        if (isCorner(p.placement)) {
            p.legend->setBrush(QBrush(QColor(255, 255, 255, 220)));
            p.legend->setBorderPen(QPen(QColor(0xb0, 0xb0, 0xb0), 0.6));
        } else {
            p.legend->setBrush(Qt::NoBrush);
            p.legend->setBorderPen(Qt::NoPen);
        }
        fillLegend(p, maxSize, family, points);
    }
    // Small plot areas: fewer ticks, and axis labels no longer than their axes; then square.
    for (int pass = 0; pass < 2; ++pass) {
        fig.layoutAt(size);
        for (Panel& p : panels) {
            const QRect r = p.rect->rect();
            for (QCPAxis* a : p.rect->axes())
                fitTickCount(a, a->orientation() == Qt::Horizontal ? r.width() : r.height());
            fitAxisLabels(p.rect);
        }
        makeSquare(fig, size, panels);
    }
    // A label at a data position (the threshold's) that runs out of the plot area goes to the
    // other side of its point.
    for (Panel& p : panels)
        for (QCPItemText* label : p.labels) {
            const QRect r = p.rect->rect();
            const Qt::Alignment a = label->positionAlignment();
            const Qt::Alignment v = a & Qt::AlignVertical_Mask;
            auto fits = [&] {
                return label->left->pixelPosition().x() >= r.left() && label->right->pixelPosition().x() <= r.right();
            };
            if (fits())
                continue;
            label->setPositionAlignment(((a & Qt::AlignRight) ? Qt::AlignLeft : Qt::AlignRight) | v);
            // Too long for either side: left out rather than cut.
            label->setVisible(fits());
        }
    if (report) {
        report->panels.clear();
        for (const Panel& p : panels) {
            FigureReport::Panel r;
            r.axisRect = p.rect->rect();
            r.legend = p.placement;
            r.legendRect = p.legend ? p.legend->outerRect() : QRect();
            r.legendEntries = p.shown;
            r.legendOmitted = p.omitted;
            r.plottables = p.plottables;
            r.heading = p.heading ? p.heading->text() : QString();
            report->panels.push_back(r);
        }
        report->size = size;
        report->fontFamily = family;
        report->fontPoints = points;
    }
}

bool paintVector(QCustomPlot* plot, QPaintDevice* device, int width, int height, const QFont& font)
{
    QCPPainter painter;
    if (!painter.begin(device))
        return false;
    // The painter's own font, which an SVG names on every group, is the figure's too.
    painter.setFont(font);
    painter.setMode(QCPPainter::pmVectorized);
    painter.setMode(QCPPainter::pmNoCaching);
    plot->toPainter(&painter, width, height);
    painter.end();
    return true;
}

bool writeFigure(const std::vector<QCustomPlot*>& sources, const QString& path, FigureFormat format,
                 const FigureOptions& options, QString* error, FigureReport* report)
{
    const double wIn = options.size.widthInches(), hIn = options.size.heightInches();
    if (!(wIn > 0.3 && hIn > 0.3 && wIn < 100 && hIn < 100)) {
        setError(error, QCustomPlot::tr("cannot export '%1': size out of range").arg(path));
        return false;
    }
    if (sources.empty() || std::find(sources.begin(), sources.end(), nullptr) != sources.end()) {
        setError(error, QCustomPlot::tr("cannot export '%1': no plot").arg(path));
        return false;
    }
    const int width = qRound(wIn * kLogicalDpi), height = qRound(hIn * kLogicalDpi);
    const double points = options.fontPoints > 0 ? options.fontPoints : (wIn < 4.5 ? 8.0 : 9.0);
    const QString family =
        concreteFontFamily(options.fontFamily.isEmpty() ? defaultFigureFontFamily() : options.fontFamily);

    FigurePlot fig;
    buildFigure(fig, sources, options, QSize(width, height), family, points, report);
    bool ok = false;
    switch (format) {
    case FigureFormat::Pdf: {
        QPdfWriter writer(path);
        writer.setResolution(int(kLogicalDpi));
        writer.setPageSize(QPageSize(QSizeF(wIn, hIn), QPageSize::Inch, QString(), QPageSize::ExactMatch));
        writer.setPageMargins(QMarginsF(0, 0, 0, 0));
        writer.setCreator(QStringLiteral("OOD Lens"));
        writer.setTitle(QFileInfo(path).completeBaseName());
        ok = paintVector(&fig, &writer, width, height, sized(family, points));
        break;
    }
    case FigureFormat::Svg: {
        QSvgGenerator generator;
        generator.setFileName(path);
        generator.setSize(QSize(width, height));
        generator.setViewBox(QRect(0, 0, width, height));
        generator.setResolution(int(kLogicalDpi));
        generator.setTitle(QFileInfo(path).completeBaseName());
        generator.setDescription(QStringLiteral("OOD Lens figure"));
        ok = paintVector(&fig, &generator, width, height, sized(family, points));
        break;
    }
    case FigureFormat::Png: {
        const int dpi = options.dpi > 0 ? options.dpi : 300;
        const int pixels = qRound(wIn * dpi);
        ok = fig.savePng(path, width, height, double(pixels) / width, -1, dpi);
        break;
    }
    }
    if (!ok)
        setError(error, QCustomPlot::tr("cannot write '%1'").arg(path));
    return ok && QFileInfo(path).size() > 0;
}

} // namespace

std::string figureFileStem(const std::string& name)
{
    std::string s;
    for (char c : name)
        s += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') ? c : '_';
    return s;
}

QString defaultFigureFontFamily()
{
    static const QString family = [] {
        const QString dejavu = QStringLiteral("DejaVu Sans");
        if (QFontDatabase::families().contains(dejavu))
            return dejavu;
        return QFontInfo(QApplication::font()).family();
    }();
    return family;
}

QFont figureFont(const FigureOptions& options, double delta, bool bold)
{
    const double points = options.fontPoints > 0 ? options.fontPoints : (options.size.widthInches() < 4.5 ? 8.0 : 9.0);
    const QString family =
        concreteFontFamily(options.fontFamily.isEmpty() ? defaultFigureFontFamily() : options.fontFamily);
    return sized(family, points + delta, bold);
}

bool writePaintedFigure(const QString& path, const QSize& size, const FigureOptions& options,
                        const std::function<void(QPainter&)>& paint, QString* error)
{
    FigureFormat format;
    if (!figureFormatFromPath(path, &format)) {
        setError(error, QCustomPlot::tr("cannot export '%1': use a .pdf, .svg or .png file name").arg(path));
        return false;
    }
    const QFont font = figureFont(options);
    QPainter painter;
    bool ok = false;
    switch (format) {
    case FigureFormat::Pdf: {
        QPdfWriter writer(path);
        writer.setResolution(int(kLogicalDpi));
        writer.setPageSize(QPageSize(QSizeF(size) / kLogicalDpi, QPageSize::Inch, QString(), QPageSize::ExactMatch));
        writer.setPageMargins(QMarginsF(0, 0, 0, 0));
        writer.setCreator(QStringLiteral("OOD Lens"));
        writer.setTitle(QFileInfo(path).completeBaseName());
        if ((ok = painter.begin(&writer))) {
            painter.setFont(font);
            paint(painter);
            painter.end();
        }
        break;
    }
    case FigureFormat::Svg: {
        QSvgGenerator generator;
        generator.setFileName(path);
        generator.setSize(size);
        generator.setViewBox(QRect(QPoint(), size));
        generator.setResolution(int(kLogicalDpi));
        generator.setTitle(QFileInfo(path).completeBaseName());
        if ((ok = painter.begin(&generator))) {
            painter.setFont(font);
            paint(painter);
            painter.end();
        }
        break;
    }
    case FigureFormat::Png: {
        const double scale = (options.dpi > 0 ? options.dpi : 300) / kLogicalDpi;
        QImage image((QSizeF(size) * scale).toSize(), QImage::Format_ARGB32);
        image.fill(Qt::white);
        // Painted at 96 per inch (fonts in points then come out at their printed size), scaled.
        image.setDotsPerMeterX(qRound(kLogicalDpi / 0.0254));
        image.setDotsPerMeterY(image.dotsPerMeterX());
        if (painter.begin(&image)) {
            painter.scale(scale, scale);
            painter.setFont(font);
            painter.setRenderHint(QPainter::Antialiasing);
            paint(painter);
            painter.end();
            image.setDotsPerMeterX(qRound(scale * kLogicalDpi / 0.0254));
            image.setDotsPerMeterY(image.dotsPerMeterX());
            ok = image.save(path);
        }
        break;
    }
    }
    if (!ok)
        setError(error, QCustomPlot::tr("cannot write '%1'").arg(path));
    return ok && QFileInfo(path).size() > 0;
}

QString concreteFontFamily(const QString& requested)
{
    return QFontInfo(sized(requested, 9)).family();
}

bool figureFormatFromPath(const QString& path, FigureFormat* format)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("pdf"))
        *format = FigureFormat::Pdf;
    else if (suffix == QLatin1String("svg"))
        *format = FigureFormat::Svg;
    else if (suffix == QLatin1String("png"))
        *format = FigureFormat::Png;
    else
        return false;
    return true;
}

bool exportFigure(QCustomPlot* plot, const QString& path, const FigureOptions& options, QString* error,
                  FigureReport* report)
{
    FigureFormat format;
    if (!figureFormatFromPath(path, &format)) {
        setError(error, QCustomPlot::tr("cannot export '%1': use a .pdf, .svg or .png file name").arg(path));
        return false;
    }
    return exportFigure(plot, path, format, options, error, report);
}

bool exportFigure(QCustomPlot* plot, const QString& path, FigureFormat format, const FigureOptions& options,
                  QString* error, FigureReport* report)
{
    return writeFigure({plot}, path, format, options, error, report);
}

bool exportPanels(const std::vector<QCustomPlot*>& plots, const QString& path, const FigureOptions& options,
                  QString* error, FigureReport* report)
{
    FigureFormat format;
    if (!figureFormatFromPath(path, &format)) {
        setError(error, QCustomPlot::tr("cannot export '%1': use a .pdf, .svg or .png file name").arg(path));
        return false;
    }
    return writeFigure(plots, path, format, options, error, report);
}

} // namespace oodlens::ui
