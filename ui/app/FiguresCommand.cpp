// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/FiguresCommand.h"

#include "app/HeadlessCommand.h"
#include "run/Pipeline.h"
#include "datasets/Dataset.h"
#include "common/Error.h"
#include "plots/FigureExport.h"
#include "plots/HistogramView.h"
#include "docks/MethodLabels.h"
#include "plots/PlotSeries.h"
#include "plots/PrView.h"
#include "plots/RocView.h"
#include "common/Runtime.h"
#include "methods/Scores.h"
#include "metrics/ThresholdIndex.h"
#include "metrics/ThresholdPresets.h"
#include "run/Options.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

using namespace oodlens;
using namespace oodlens::ui;

namespace {

const char* const kSynopsis =
    R"(Usage: oodlens-cli figures (--model FILE --id DATASET [--ood [NAME=]DATASET]... | --session FILE | --demo)
                           --out DIR [options]

Writes, for every method, DIR/<method>-histogram, -roc, -pr and -panels (.pdf, .svg, .png): the
score histogram (ID and OOD sets on shared bins, threshold at 95% ID TPR), the ROC and the
precision-recall curves (ID positive, operating point marked) and the three side by side as panels
(a)-(c), 17.5 cm x 6 cm (8 cm high with --size two); and once DIR/overlay-roc and DIR/overlay-pr, every method's curves in one plot (a colour
and line style per method). One-column (8.5 cm, default) or two-column (17.5 cm) width, PNG at
--dpi (default 300). Paper style by default: no window titles or notes (--titles keeps them), the
legend where it hides no data (--legend), square ROC and PR axes, one font (--font, --font-size)
embedded in the PDFs and named in the SVGs. Takes every option of score (preprocessing included,
for models that are not 28x28 MNIST nets). Uses the GUI's plotting code; needs no display.

)";

struct FigureArgs {
    RunConfig config;
    std::string out;
    FigureOptions options;
    std::vector<std::string> formats;
    std::vector<std::string> kinds;
    bool twoColumn = false;
};

// Whether a written figure file is whole: a full disk leaves a file cut anywhere, which only its
// end tells (PNG's IEND chunk, PDF's %%EOF, SVG's closing tag).
bool figureIsComplete(const QString& path, const std::string& format)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly) || f.size() < 16)
        return false;
    f.seek(std::max<qint64>(0, f.size() - 1024));
    const QByteArray tail = f.readAll();
    if (format == "png")
        return tail.endsWith(QByteArray("IEND\xAE\x42\x60\x82", 8));
    if (format == "pdf")
        return tail.contains("%%EOF");
    return tail.trimmed().endsWith("</svg>");
}

// Exports `plot` to `file` through a temporary folder beside it (same name, so that the figure's
// title stays the file's), checks the file is whole, and renames it into place: a full disk or a
// failure never leaves a truncated figure, and an older figure stays until a new one is complete.
void writeFigure(const std::vector<QCustomPlot*>& plots, const QString& file, const std::string& format,
                 const FigureOptions& options, const QString& scratch)
{
    const QString tmp = QDir(scratch).filePath(QFileInfo(file).fileName());
    QString error;
    if (!exportPanels(plots, tmp, options, &error)) {
        QFile::remove(tmp);
        throw Error(error.toStdString());
    }
    if (!figureIsComplete(tmp, format)) {
        QFile::remove(tmp);
        throw Error("cannot write '" + file.toStdString() + "': the figure could not be written whole (disk full or I/O error)");
    }
    if (std::rename(QFile::encodeName(tmp).constData(), QFile::encodeName(file).constData()) != 0) {
        const int why = errno;
        QFile::remove(tmp);
        throw Error("cannot write '" + file.toStdString() + "': " + std::strerror(why));
    }
}

// The core's option parser, with the figures group on top of every score option.
FigureArgs parse(int argc, char** argv, bool& help)
{
    const std::vector<std::string> words(argv + 1, argv + argc);
    const ParsedOptions o = parseOptions(words, commandGroups::kFigures, "oodlens-cli figures");
    help = o.help;
    FigureArgs a;
    if (help)
        return a;
    a.config = o.config;
    a.out = o.outDir;
    a.formats = o.formats;
    a.kinds = o.kinds;
    a.twoColumn = o.twoColumn;
    a.options.dpi = o.dpi;
    if (o.twoColumn)
        a.options.size = FigureSize::twoColumn();
    a.options.legend = o.legend;
    a.options.fontFamily = QString::fromStdString(o.fontFamily);
    a.options.fontPoints = o.fontPoints;
    a.options.titles = a.options.notes = o.titles;
    if (!a.config.hasModelOrHead())
        throw Error("figures needs --model FILE (or --session FILE, or --demo, or an ID set of features with a head)");
    if (a.out.empty())
        throw Error("figures needs --out DIR");
    if (!o.methodsGiven && !o.demo) // fast methods only: autograd variants and image passes are opt-in here
        a.config.methods = drawingCommandMethods(a.config);
    return a;
}

} // namespace

int runFiguresCommand(int argc, char** argv)
{
    FigureArgs args;
    try {
        bool help = false;
        args = parse(argc, argv, help);
        if (help) {
            std::cout << kSynopsis << groupedOptionsHelp(commandGroups::kFigures);
            return 0;
        }
    } catch (const Error& e) {
        std::cerr << "oodlens-cli figures: error: " << e.what() << "\n";
        return 2;
    }
    drawOffscreenWithoutDisplay(); // figures need no screen
    int qtArgc = 1;
    char* qtArgv[] = {argv[0], nullptr};
    QApplication app(qtArgc, qtArgv);
    initRuntime(args.config.threads);

    try {
        const QString outDir = QString::fromStdString(args.out);
        if (!QDir().mkpath(outDir))
            throw Error("cannot create the folder '" + args.out + "'");
        // Figures are made in a scratch folder inside the output folder (same file system: a
        // rename moves each one in) that goes with whatever is left in it.
        const QString scratch = QDir(outDir).filePath(QStringLiteral(".oodlens-figures-%1").arg(QCoreApplication::applicationPid()));
        if (!QDir().mkpath(scratch))
            throw Error("cannot write to the folder '" + args.out + "'");
        struct RemoveScratch {
            QString path;
            ~RemoveScratch() { QDir(path).removeRecursively(); }
        } removeScratch{scratch};
        std::cerr << "oodlens-cli figures: scoring " << args.config.methods.size() << " methods\n";
        const RunResultPtr result = runNamingDatasets(args.config);
        const auto id = static_cast<std::size_t>(result->idIndex);

        // Widgets sized like the figure, so that the layout on screen and in the file agree.
        const QSize pixels(qRound(args.options.size.widthInches() * 96), qRound(args.options.size.heightInches() * 96));
        auto wants = [&](const char* kind) {
            return std::find(args.kinds.begin(), args.kinds.end(), kind) != args.kinds.end();
        };
        int written = 0;
        auto write = [&](const std::vector<QCustomPlot*>& plots, const std::string& name) {
            // Panels side by side take the width of the page.
            FigureOptions options = args.options;
            if (plots.size() > 1 && !args.twoColumn)
                options.size = FigureSize::panelRow();
            for (const std::string& format : args.formats) {
                const QString file = QDir(outDir).filePath(QString::fromStdString(name + "." + format));
                writeFigure(plots, file, format, options, scratch);
                ++written;
            }
        };
        // The operating points of `curves` at each method's 95%-ID-TPR threshold.
        auto markCurves = [&](RocView& roc, PrView& pr, const CurveSet& curves) {
            std::vector<QPointF> rocPoints, prPoints;
            for (const auto& [m, ood] : curves.keys) {
                const ThresholdIndex index(*result, m);
                const double t = thresholdAtIdTpr95(*result, m);
                const OperatingPoint p = index.operatingPoint(id, ood, t);
                rocPoints.emplace_back(p.fpr_id, p.tpr_id);
                prPoints.emplace_back(p.tpr_id, index.precisionIdPositive(id, ood, t));
            }
            roc.setOperatingPoints(rocPoints);
            pr.setOperatingPoints(prPoints);
        };
        const bool perMethod = wants("histogram") || wants("roc") || wants("pr") || wants("panels");
        for (const std::string& method : perMethod ? result->methods : std::vector<std::string>()) {
            const QString label = methodDisplayLabel(method, result->params);
            HistogramView histogram;
            histogram.resize(pixels);
            histogram.showScores(label, histogramSeriesOf(*result, method));
            histogram.setThreshold(thresholdAtIdTpr95(*result, method));

            RocView roc;
            PrView pr;
            roc.resize(pixels);
            pr.resize(pixels);
            const CurveSet curves = curveSeriesOf(*result, {method});
            roc.showCurves(label, curves.roc);
            pr.showCurves(label, curves.pr);
            markCurves(roc, pr, curves);

            const std::string base = figureFileStem(method) + "-";
            if (wants("histogram"))
                write({&histogram}, base + "histogram");
            if (wants("roc"))
                write({&roc}, base + "roc");
            if (wants("pr"))
                write({&pr}, base + "pr");
            if (wants("panels"))
                write({&histogram, &roc, &pr}, base + "panels");
        }
        if (wants("overlay") && !result->methods.empty()) {
            RocView roc;
            PrView pr;
            roc.resize(pixels);
            pr.resize(pixels);
            const CurveSet curves = curveSeriesOf(*result, result->methods);
            const QString label = QString::fromStdString(std::to_string(result->methods.size()) + " methods");
            roc.showCurves(label, curves.roc);
            pr.showCurves(label, curves.pr);
            markCurves(roc, pr, curves);
            write({&roc}, "overlay-roc");
            write({&pr}, "overlay-pr");
        }
        std::cout << "wrote " << written << " figures to " << args.out << "\n";
        return 0;
    } catch (const Cancelled&) {
        std::cerr << "oodlens-cli figures: cancelled\n";
        return 130;
    } catch (const Error& e) {
        std::cerr << "oodlens-cli figures: error: " << e.what() << "\n";
        return 1;
    }
}
