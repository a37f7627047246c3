// SPDX-License-Identifier: GPL-3.0-or-later
#include "workspace/Settings.h"

namespace oodlens::ui {

namespace {
const QString kGeometry = QStringLiteral("mainWindow/geometry");
const QString kState = QStringLiteral("mainWindow/state");
const QString kPlotSplitter = QStringLiteral("mainWindow/plotSplitter");
const QString kCurrentMethod = QStringLiteral("view/currentMethod");
const QString kLogCounts = QStringLiteral("view/logHistogramCounts");
const QString kDensity = QStringLiteral("view/histogramDensity");
const QString kBins = QStringLiteral("view/histogramBins");
const QString kOverlay = QStringLiteral("view/overlayMethods");
const QString kAutoRun = QStringLiteral("analysis/autoRun");
const QString kRecent = QStringLiteral("files/recent");
const QString kFigure = QStringLiteral("figureExport/");
const QString kContactSheetCount = QStringLiteral("contactSheet/count");
const QString kFactorSplit = QStringLiteral("factors/split/");
} // namespace

Settings::Settings() : settings_(QStringLiteral("OODLens"), QStringLiteral("oodlens")) {}

QByteArray Settings::windowGeometry() const
{
    return settings_.value(kGeometry).toByteArray();
}

void Settings::setWindowGeometry(const QByteArray& geometry)
{
    settings_.setValue(kGeometry, geometry);
}

QByteArray Settings::windowState() const
{
    return settings_.value(kState).toByteArray();
}

void Settings::setWindowState(const QByteArray& state)
{
    settings_.setValue(kState, state);
}

QByteArray Settings::plotSplitterState() const
{
    return settings_.value(kPlotSplitter).toByteArray();
}

void Settings::setPlotSplitterState(const QByteArray& state)
{
    settings_.setValue(kPlotSplitter, state);
}

void Settings::clearLayout()
{
    settings_.remove(kGeometry);
    settings_.remove(kState);
    settings_.remove(kPlotSplitter);
}

bool Settings::logHistogramCounts() const
{
    return settings_.value(kLogCounts, false).toBool();
}

void Settings::setLogHistogramCounts(bool log)
{
    settings_.setValue(kLogCounts, log);
}

bool Settings::histogramDensity() const
{
    return settings_.value(kDensity, false).toBool();
}

void Settings::setHistogramDensity(bool density)
{
    settings_.setValue(kDensity, density);
}

int Settings::histogramBins() const
{
    return settings_.value(kBins, 0).toInt();
}

void Settings::setHistogramBins(int bins)
{
    settings_.setValue(kBins, bins);
}

bool Settings::overlayMethods() const
{
    return settings_.value(kOverlay, false).toBool();
}

void Settings::setOverlayMethods(bool overlay)
{
    settings_.setValue(kOverlay, overlay);
}

QStringList Settings::recentFiles() const
{
    return settings_.value(kRecent).toStringList();
}

void Settings::addRecentFile(const QString& path)
{
    QStringList files = recentFiles();
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    settings_.setValue(kRecent, files);
}

QString Settings::currentMethod() const
{
    return settings_.value(kCurrentMethod).toString();
}

void Settings::setCurrentMethod(const QString& id)
{
    settings_.setValue(kCurrentMethod, id);
}

bool Settings::autoRun() const
{
    return settings_.value(kAutoRun, true).toBool();
}

void Settings::setAutoRun(bool on)
{
    settings_.setValue(kAutoRun, on);
}

Settings::FigureExportChoices Settings::figureExport() const
{
    FigureExportChoices c;
    const FigureOptions d;
    auto value = [this](const char* key, const QVariant& fallback) { return settings_.value(kFigure + QLatin1String(key), fallback); };
    c.plot = value("plot", c.plot).toInt();
    c.preset = value("preset", c.preset).toInt();
    c.directory = value("directory", c.directory).toString();
    c.suffix = value("suffix", c.suffix).toString();
    FigureOptions& o = c.options;
    o.size.width = value("width", d.size.width).toDouble();
    o.size.height = value("height", d.size.height).toDouble();
    o.size.unit = value("unit", QStringLiteral("cm")).toString() == QLatin1String("in") ? FigureSize::Unit::Inch
                                                                                       : FigureSize::Unit::Cm;
    o.dpi = value("dpi", d.dpi).toInt();
    o.fontFamily = value("fontFamily", d.fontFamily).toString();
    o.fontPoints = value("fontPoints", d.fontPoints).toDouble();
    if (!legendPlacementFromName(value("legend", QString()).toString().toStdString(), &o.legend))
        o.legend = d.legend;
    o.titles = value("titles", d.titles).toBool();
    o.notes = value("notes", d.notes).toBool();
    o.squareCurves = value("square", d.squareCurves).toBool();
    o.panelLetters = value("panelLetters", d.panelLetters).toBool();
    return c;
}

void Settings::setFigureExport(const FigureExportChoices& c)
{
    auto set = [this](const char* key, const QVariant& v) { settings_.setValue(kFigure + QLatin1String(key), v); };
    const FigureOptions& o = c.options;
    set("plot", c.plot);
    set("preset", c.preset);
    set("directory", c.directory);
    set("suffix", c.suffix);
    set("width", o.size.width);
    set("height", o.size.height);
    set("unit", o.size.unit == FigureSize::Unit::Inch ? QStringLiteral("in") : QStringLiteral("cm"));
    set("dpi", o.dpi);
    set("fontFamily", o.fontFamily);
    set("fontPoints", o.fontPoints);
    set("legend", QString::fromLatin1(legendPlacementName(o.legend)));
    set("titles", o.titles);
    set("notes", o.notes);
    set("square", o.squareCurves);
    set("panelLetters", o.panelLetters);
}

int Settings::contactSheetCount() const
{
    return settings_.value(kContactSheetCount, 64).toInt();
}

void Settings::setContactSheetCount(int count)
{
    settings_.setValue(kContactSheetCount, count);
}

FactorSplit Settings::factorSplit() const
{
    FactorSplit split;
    const QString kind = settings_.value(kFactorSplit + QStringLiteral("kind")).toString();
    if (kind == QLatin1String("pair"))
        split.kind = FactorSplit::Kind::Pair;
    bool ok = false;
    const double fraction = settings_.value(kFactorSplit + QStringLiteral("validationFraction")).toDouble(&ok);
    if (ok && fraction > 0 && fraction < 1)
        split.validationFraction = fraction;
    const qulonglong seed = settings_.value(kFactorSplit + QStringLiteral("seed")).toULongLong(&ok);
    if (ok)
        split.seed = seed;
    split.validationId = settings_.value(kFactorSplit + QStringLiteral("validationId")).toString().toStdString();
    split.validationOod = settings_.value(kFactorSplit + QStringLiteral("validationOod")).toString().toStdString();
    return split;
}

void Settings::setFactorSplit(const FactorSplit& split)
{
    settings_.setValue(kFactorSplit + QStringLiteral("kind"),
                       split.kind == FactorSplit::Kind::Pair ? QStringLiteral("pair") : QStringLiteral("seeded"));
    settings_.setValue(kFactorSplit + QStringLiteral("validationFraction"), split.validationFraction);
    settings_.setValue(kFactorSplit + QStringLiteral("seed"), qulonglong(split.seed));
    settings_.setValue(kFactorSplit + QStringLiteral("validationId"), QString::fromStdString(split.validationId));
    settings_.setValue(kFactorSplit + QStringLiteral("validationOod"), QString::fromStdString(split.validationOod));
}

} // namespace oodlens::ui
