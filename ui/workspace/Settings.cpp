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

} // namespace oodlens::ui
