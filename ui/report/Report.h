// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The report of a run's factor analysis ("are gradients needed?"): the one writer behind
// `oodlens-cli report` and the GUI's File > Export report. It draws every figure with the GUI's
// plotting code (FactorChart, FamilyHeatmap, HistogramView, RocView, exported by exportFigure), so
// it needs a QApplication and runs on its thread (offscreen is enough).
#include "factors/FactorAnalysis.h"
#include "io/Export.h"
#include "plots/FigureExport.h"
#include "run/RunResult.h"

#include <string>
#include <vector>

namespace oodlens::ui {

struct ReportOptions {
    // Style and size of the figure files (figures/*.pdf, *.svg); the widths of the report's
    // images follow it too.
    FigureOptions figures;
    // Resolution of the PNGs embedded in report.html and report.pdf.
    int imageDpi = 200;
    // Written into run.json ("command").
    std::string commandLine;
};

// What goes into the report folder:
//   report.html   one self-contained file: CSS inline, every image a data: URI (base64 PNG), no
//                 reference to anything outside it;
//   report.pdf    the same HTML laid out on A4 pages by QTextDocument (fonts embedded);
//   factors.tex   the factor table (core factorsLatex), factors.csv (core factorsCsv);
//   figures/      every figure of the report as PDF and SVG;
//   and score's files (io/Export.h runFiles(): scores.csv, metrics.*, run.json, results_table.*).
const std::vector<std::string>& reportFileNames();
const char* const kReportFiguresFolder = "figures";

// Creates `dir` and checks, before a long run, that it is a folder that takes new files and that no
// file of the report (nor figures/) is anything but a file (a folder); throws Error naming it.
void checkReportFolder(const std::string& dir);

// Every file of the report, built in memory (figures under "figures/NAME.pdf" and ".svg", NAME
// "<gradient method>-<OOD set>-factors", "-family", "-histogram-gradient", "-histogram-best", "-roc").
// `cancel` is polled between figures.
OutputFiles reportFiles(const RunResult& result, const FactorReport& factors, const ReportOptions& options,
                        const ProgressSink* cancel = nullptr);

// reportFiles() written into `dir` as a whole (figures/ created when missing): the folder holds the
// previous report or this one, never a mix. Throws Error naming the file that could not be written.
void writeReport(const std::string& dir, const RunResult& result, const FactorReport& factors,
                 const ReportOptions& options, const ProgressSink* cancel = nullptr);

} // namespace oodlens::ui
