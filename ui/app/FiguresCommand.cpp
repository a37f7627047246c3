// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/FiguresCommand.h"

#include "run/Pipeline.h"
#include "datasets/Dataset.h"
#include "run/Demo.h"
#include "common/Error.h"
#include "plots/FigureExport.h"
#include "plots/HistogramView.h"
#include "docks/MethodLabels.h"
#include "plots/PlotSeries.h"
#include "features/Preprocess.h"
#include "plots/RocView.h"
#include "common/Runtime.h"
#include "methods/Scores.h"
#include "metrics/ThresholdPresets.h"

#include <QApplication>
#include <QDir>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

using namespace oodlens;
using namespace oodlens::ui;

namespace {

const char* const kUsage =
    R"(Usage: oodlens-cli figures (--model FILE --id DATASET [--ood [NAME=]DATASET]... | --demo)
                          [--fit DATASET] [--methods a,b,...] --out DIR [--param [METHOD.]NAME=VALUE]...
                          [--preset mnist|cifar|imagenet] [--size one|two] [--dpi N]
                          [--formats pdf,svg,png] [--threads N] [--no-cache]

Writes DIR/<method>-histogram.{pdf,svg,png} and DIR/<method>-roc.{pdf,svg,png} for every method:
the score histogram (ID and OOD sets on shared bins, threshold at 95% ID TPR) and the ROC curve
(ID positive, operating point marked), at one-column (8.5 cm, default) or two-column (17.5 cm)
width, PNG at --dpi (default 300). Uses the GUI's plotting code; needs no display.
)";

struct FigureArgs {
    RunConfig config;
    bool demo = false;
    std::string out;
    FigureOptions options;
    std::vector<std::string> formats{"pdf", "svg", "png"};
};

std::vector<std::string> split(const std::string& text)
{
    std::vector<std::string> parts;
    std::string cur;
    for (char c : text) {
        if (c == ',') {
            parts.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    parts.push_back(cur);
    return parts;
}

FigureArgs parse(int argc, char** argv)
{
    FigureArgs a;
    bool methodsGiven = false;
    std::vector<std::string> params;
    auto value = [&](int& i) -> std::string {
        if (i + 1 >= argc)
            throw Error(std::string("option ") + argv[i] + " needs a value");
        return argv[++i];
    };
    for (int i = 1; i < argc; ++i) {
        const std::string opt = argv[i];
        if (opt == "--model") {
            a.config.modelPath = value(i);
        } else if (opt == "--id") {
            a.config.datasets.push_back({"id", value(i), DatasetRole::Id});
        } else if (opt == "--ood") {
            const std::string v = value(i);
            const auto eq = v.find('=');
            DatasetSpec spec;
            spec.role = DatasetRole::Ood;
            spec.path = eq == std::string::npos ? v : v.substr(eq + 1);
            spec.name = eq == std::string::npos ? datasetDisplayName(v) : v.substr(0, eq);
            a.config.datasets.push_back(spec);
        } else if (opt == "--fit") {
            a.config.datasets.push_back({"fit", value(i), DatasetRole::Fit});
        } else if (opt == "--methods") {
            a.config.methods = parseMethodList(value(i));
            methodsGiven = true;
        } else if (opt == "--out") {
            a.out = value(i);
        } else if (opt == "--param") {
            params.push_back(value(i));
        } else if (opt == "--preset") {
            a.config.preprocess = PreprocessSpec::preset(value(i));
        } else if (opt == "--size") {
            const std::string v = value(i);
            if (v == "one")
                a.options.size = FigureSize::oneColumn();
            else if (v == "two")
                a.options.size = FigureSize::twoColumn();
            else
                throw Error("--size takes 'one' or 'two', not '" + v + "'");
        } else if (opt == "--dpi") {
            a.options.dpi = std::atoi(value(i).c_str());
            if (a.options.dpi < 50 || a.options.dpi > 2400)
                throw Error("--dpi must be between 50 and 2400");
        } else if (opt == "--formats") {
            a.formats = split(value(i));
            for (const std::string& f : a.formats)
                if (f != "pdf" && f != "svg" && f != "png")
                    throw Error("unknown figure format '" + f + "' (pdf, svg, png)");
        } else if (opt == "--threads") {
            a.config.threads = std::atoi(value(i).c_str());
        } else if (opt == "--no-cache") {
            a.config.cacheDir.clear();
        } else if (opt == "--demo") {
            a.demo = true;
        } else {
            throw Error("unknown option '" + opt + "' for figures (see oodlens-cli figures --help)");
        }
    }
    if (a.demo) {
        RunConfig demo = demoConfig();
        demo.methods = a.config.methods;
        demo.threads = a.config.threads;
        if (a.config.cacheDir.empty())
            demo.cacheDir.clear();
        a.config = demo;
    }
    for (const std::string& p : params)
        a.config.params.parseAssignment(p);
    if (a.config.modelPath.empty())
        throw Error("figures needs --model FILE (or --demo)");
    if (a.out.empty())
        throw Error("figures needs --out DIR");
    if (!methodsGiven && !a.demo) {
        bool fit = false;
        for (const DatasetSpec& d : a.config.datasets)
            fit = fit || d.role == DatasetRole::Fit;
        for (const MethodInfo& m : methodRegistry())
            if (!m.has(NeedsAutograd) && !m.has(NeedsImages) && (fit || !m.has(NeedsFitSet)))
                a.config.methods.push_back(m.id);
    }
    return a;
}

// Names each dataset on stderr as it is extracted.
class FiguresProgress final : public RunObserver {
public:
    void datasetFinished(std::size_t, const DatasetSummary& d) override
    {
        std::cerr << "  " << d.name << ": "
                  << (d.error.empty() ? std::to_string(d.rows) + " images" + (d.fromCache ? " (cache)" : "") : d.error)
                  << "\n";
    }
};

// Runs the analysis through the same pipeline as the GUI and `score`.
RunResultPtr analyse(const RunConfig& config)
{
    FiguresProgress progress;
    return runOnce(config, &progress);
}

std::string fileSafe(const std::string& id)
{
    std::string s;
    for (char c : id)
        s += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') ? c : '_';
    return s;
}

} // namespace

int runFiguresCommand(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i)
        if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
            std::cout << kUsage;
            return 0;
        }
    FigureArgs args;
    try {
        args = parse(argc, argv);
    } catch (const Error& e) {
        std::cerr << "oodlens-cli figures: error: " << e.what() << "\n";
        return 2;
    }
    // Figures need no screen: without a display, Qt draws offscreen.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY") &&
        qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    int qtArgc = 1;
    char* qtArgv[] = {argv[0], nullptr};
    QApplication app(qtArgc, qtArgv);
    initRuntime(args.config.threads);

    try {
        const QString outDir = QString::fromStdString(args.out);
        if (!QDir().mkpath(outDir))
            throw Error("cannot create the folder '" + args.out + "'");
        std::cerr << "oodlens-cli figures: scoring " << args.config.methods.size() << " methods\n";
        const RunResultPtr result = analyse(args.config);
        const auto id = static_cast<std::size_t>(result->idIndex);

        // Widgets sized like the figure, so that the layout on screen and in the file agree.
        const QSize pixels(qRound(args.options.size.widthInches() * 96), qRound(args.options.size.heightInches() * 96));
        int written = 0;
        for (const std::string& method : result->methods) {
            const QString label = methodDisplayLabel(method);
            const double threshold = thresholdAtIdTpr95(*result, method);

            HistogramView histogram;
            histogram.resize(pixels);
            histogram.showScores(label, histogramSeriesOf(*result, method));
            histogram.setThreshold(threshold);

            RocView roc;
            roc.resize(pixels);
            const CurveSet curves = curveSeriesOf(*result, {method});
            roc.showCurves(label, curves.roc);
            std::vector<QPointF> points;
            for (const auto& [m, ood] : curves.keys) {
                const OperatingPoint p = operatingPoint(result->scoresOf(m, id), result->scoresOf(m, ood), threshold);
                points.emplace_back(p.fpr_id, p.tpr_id);
            }
            roc.setOperatingPoints(points);

            for (const std::string& format : args.formats) {
                for (auto [plot, kind] : {std::pair<QCustomPlot*, const char*>{&histogram, "histogram"},
                                          std::pair<QCustomPlot*, const char*>{&roc, "roc"}}) {
                    const QString file =
                        QDir(outDir).filePath(QString::fromStdString(fileSafe(method) + "-" + kind + "." + format));
                    QString error;
                    if (!exportFigure(plot, file, args.options, &error))
                        throw Error(error.toStdString());
                    ++written;
                }
            }
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
