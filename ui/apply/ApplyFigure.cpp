// SPDX-License-Identifier: GPL-3.0-or-later
#include "apply/ApplyFigure.h"

#include "app/HeadlessCommand.h"
#include "apply/ApplySeries.h"
#include "plots/FigureExport.h"
#include "plots/HistogramView.h"

#include <QApplication>
#include <QDir>

#include <memory>

namespace oodlens {

bool writeApplyHistogram(const Detector& detector, const ApplySummary& summary, const std::string& dir,
                         std::string* error)
{
    std::unique_ptr<QApplication> app;
    static int argc = 1;
    static char name[] = "oodlens-cli";
    static char* argv[] = {name, nullptr};
    if (!QApplication::instance()) {
        ui::drawOffscreenWithoutDisplay();
        app = std::make_unique<QApplication>(argc, argv);
    }
    ui::HistogramView histogram;
    histogram.resize(640, 420);
    ui::showApplyHistogram(histogram, detector, summary.sources);
    ui::FigureOptions options;
    for (const char* ext : {"pdf", "png"}) {
        QString why;
        const QString path = QDir(QString::fromStdString(dir)).filePath(QStringLiteral("histogram.") + QLatin1String(ext));
        if (!ui::exportFigure(&histogram, path, options, &why)) {
            if (error)
                *error = why.toStdString();
            return false;
        }
    }
    return true;
}

} // namespace oodlens
