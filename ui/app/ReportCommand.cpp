// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/ReportCommand.h"

#include "app/HeadlessCommand.h"
#include "common/Error.h"
#include "common/Runtime.h"
#include "factors/FactorAnalysis.h"
#include "report/Report.h"
#include "run/Options.h"

#include <QApplication>

#include <iostream>
#include <string>
#include <vector>

using namespace oodlens;
using namespace oodlens::ui;

namespace {

const char* const kSynopsis =
    R"(Usage: oodlens-cli report (--model FILE --id DATASET [--ood [NAME=]DATASET]... | --session FILE | --demo)
                          --out DIR [--split seeded|pair] [factor options] [options]

Answers "are gradients needed?" for the run: for each gradient method and OOD set, the gradient
score against its feature term, its output term and the best member of the non-gradient family
||h||_q^a x phi (chosen on a validation split, reported on the rest), with paired bootstrap
intervals, DeLong's test, the cost per image and a verdict. Writes into DIR:
  report.html   one self-contained file (images embedded, no external references)
  report.pdf    the same report on A4 pages
  factors.tex   the factor tables for a paper (booktabs); factors.csv every family member's metrics
  factors.json  the whole factor analysis (split, metrics on each part, comparisons, verdicts, costs)
  figures/      every figure of the report as PDF and SVG
  scores.csv, metrics.*, run.json, results_table.*   as score writes them
Takes every option of score (preprocessing included). Uses the GUI's plotting code; needs no display.

)";

} // namespace

int runReportCommand(int argc, char** argv, const std::string& commandLine)
{
    ParsedOptions o;
    try {
        const std::vector<std::string> words(argv + 1, argv + argc);
        o = parseOptions(words, commandGroups::kReport, "oodlens-cli report");
        if (o.help) {
            std::cout << kSynopsis << groupedOptionsHelp(commandGroups::kReport);
            return 0;
        }
        if (o.config.modelPath.empty())
            throw Error("report needs --model FILE (or --session FILE, or --demo)");
        if (o.outDir.empty())
            throw Error("report needs --out DIR");
        if (!o.methodsGiven && !o.demo)
            o.config.methods = drawingCommandMethods(o.config);
    } catch (const Error& e) {
        std::cerr << "oodlens-cli report: error: " << e.what() << "\n";
        return 2;
    }
    drawOffscreenWithoutDisplay(); // the report needs no screen
    int qtArgc = 1;
    char* qtArgv[] = {argv[0], nullptr};
    QApplication app(qtArgc, qtArgv);
    initRuntime(o.config.threads);
    try {
        // Said before minutes of work: a file in the folder's place, a folder that takes no files.
        checkReportFolder(o.outDir);
        std::cerr << "oodlens-cli report: scoring " << o.config.methods.size() << " methods\n";
        const RunResultPtr result = runNamingDatasets(o.config);
        std::cerr << "oodlens-cli report: factor analysis\n";
        const FactorReport factors = analyseFactors(*result, o.factors);
        ReportOptions options;
        options.commandLine = commandLine;
        writeReport(o.outDir, *result, factors, options);
        for (const std::string& w : factors.warnings)
            std::cerr << "warning: " << w << "\n";
        for (const FactorAnalysis& a : factors.analyses)
            std::cout << a.gradientLabel << ", " << a.ood << ": " << a.verdict << "\n";
        std::cout << "wrote the report to " << o.outDir << "/report.html and report.pdf\n";
        return 0;
    } catch (const Cancelled&) {
        std::cerr << "oodlens-cli report: cancelled\n";
        return 130;
    } catch (const Error& e) {
        std::cerr << "oodlens-cli report: error: " << e.what() << "\n";
        return 1;
    }
}
