// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/FigureExport.h"

#include <QFileInfo>
#include <QPageSize>
#include <QPdfWriter>
#include <QSvgGenerator>
#include <qcustomplot.h>

#include <cmath>
#include <functional>
#include <vector>

namespace oodlens::ui {

namespace {

// Layout happens in 96-per-inch units for every format, so PDF, SVG and PNG look alike.
constexpr double kLogicalDpi = 96.0;

// Sets every font of a plot for print and puts the old ones back when it goes out of scope.
class PrintFonts {
public:
    PrintFonts(QCustomPlot* plot, double points, bool narrow)
    {
        // A one-column figure has no room for legend entries side by side: stack them.
        QCPLegend* stacked = plot->legend;
        const int wrap = stacked->wrap();
        undo_.push_back([stacked, wrap]() {
            stacked->setWrap(wrap);
            stacked->setFillOrder(stacked->fillOrder(), true);
        });
        if (narrow) {
            stacked->setWrap(1);
            stacked->setFillOrder(stacked->fillOrder(), true);
        }
        auto sized = [](QFont font, double pt) {
            font.setPointSizeF(pt);
            return font;
        };
        for (QCPAxisRect* rect : plot->axisRects())
            for (QCPAxis* axis : rect->axes()) {
                const QFont label = axis->labelFont(), ticks = axis->tickLabelFont();
                undo_.push_back([axis, label, ticks]() {
                    axis->setLabelFont(label);
                    axis->setTickLabelFont(ticks);
                });
                axis->setLabelFont(sized(label, points));
                axis->setTickLabelFont(sized(ticks, points - 1));
            }
        QCPLegend* legend = plot->legend;
        const QFont legendFont = legend->font();
        std::vector<std::pair<QCPAbstractLegendItem*, QFont>> items;
        for (int i = 0; i < legend->itemCount(); ++i)
            items.emplace_back(legend->item(i), legend->item(i)->font());
        undo_.push_back([legend, legendFont, items]() {
            legend->setFont(legendFont);
            for (const auto& [item, font] : items)
                item->setFont(font);
        });
        legend->setFont(sized(legendFont, points - 1));
        for (const auto& [item, font] : items)
            item->setFont(sized(font, points - 1));
        for (QCPLayoutElement* element : plot->plotLayout()->elements(true))
            if (auto* text = qobject_cast<QCPTextElement*>(element)) {
                const QFont font = text->font();
                undo_.push_back([text, font]() { text->setFont(font); });
                text->setFont(sized(font, points + 0.5));
            }
        for (int i = 0; i < plot->itemCount(); ++i)
            if (auto* text = qobject_cast<QCPItemText*>(plot->item(i))) {
                const QFont font = text->font();
                undo_.push_back([text, font]() { text->setFont(font); });
                text->setFont(sized(font, points - 1.5));
            }
    }
    ~PrintFonts()
    {
        for (auto it = undo_.rbegin(); it != undo_.rend(); ++it)
            (*it)();
    }
    PrintFonts(const PrintFonts&) = delete;
    PrintFonts& operator=(const PrintFonts&) = delete;

private:
    std::vector<std::function<void()>> undo_;
};

void setError(QString* error, const QString& text)
{
    if (error)
        *error = text;
}

bool paintVector(QCustomPlot* plot, QPaintDevice* device, int width, int height)
{
    QCPPainter painter;
    if (!painter.begin(device))
        return false;
    painter.setMode(QCPPainter::pmVectorized);
    painter.setMode(QCPPainter::pmNoCaching);
    plot->toPainter(&painter, width, height);
    painter.end();
    return true;
}

} // namespace

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

bool exportFigure(QCustomPlot* plot, const QString& path, const FigureOptions& options, QString* error)
{
    FigureFormat format;
    if (!figureFormatFromPath(path, &format)) {
        setError(error, QCustomPlot::tr("cannot export '%1': use a .pdf, .svg or .png file name").arg(path));
        return false;
    }
    return exportFigure(plot, path, format, options, error);
}

bool exportFigure(QCustomPlot* plot, const QString& path, FigureFormat format, const FigureOptions& options,
                  QString* error)
{
    const double wIn = options.size.widthInches(), hIn = options.size.heightInches();
    if (!(wIn > 0.3 && hIn > 0.3 && wIn < 100 && hIn < 100)) {
        setError(error, QCustomPlot::tr("cannot export '%1': size out of range").arg(path));
        return false;
    }
    const int width = qRound(wIn * kLogicalDpi), height = qRound(hIn * kLogicalDpi);
    const double points = options.fontPoints > 0 ? options.fontPoints : (wIn < 4.5 ? 8.0 : 9.0);
    bool ok = false;
    {
        const PrintFonts fonts(plot, points, wIn < 4.5);
        switch (format) {
        case FigureFormat::Pdf: {
            QPdfWriter writer(path);
            writer.setResolution(int(kLogicalDpi));
            writer.setPageSize(QPageSize(QSizeF(wIn, hIn), QPageSize::Inch, QString(), QPageSize::ExactMatch));
            writer.setPageMargins(QMarginsF(0, 0, 0, 0));
            writer.setCreator(QStringLiteral("OOD Lens"));
            writer.setTitle(QFileInfo(path).completeBaseName());
            ok = paintVector(plot, &writer, width, height);
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
            ok = paintVector(plot, &generator, width, height);
            break;
        }
        case FigureFormat::Png: {
            const int dpi = options.dpi > 0 ? options.dpi : 300;
            const int pixels = qRound(wIn * dpi);
            ok = plot->savePng(path, width, height, double(pixels) / width, -1, dpi);
            break;
        }
        }
    }
    // The export laid the plot out at the figure's size: lay it out for the screen again.
    plot->replot(QCustomPlot::rpQueuedReplot);
    if (!ok)
        setError(error, QCustomPlot::tr("cannot write '%1'").arg(path));
    return ok && QFileInfo(path).size() > 0;
}

} // namespace oodlens::ui
