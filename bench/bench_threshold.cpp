// SPDX-License-Identifier: GPL-3.0-or-later
// bench_threshold: how many threshold moves per second the analysis workspace answers with
// 100,000 images (50,000 ID + 50,000 OOD, synthetic scores), each move updating the histogram
// line, the ROC and PR operating points, the readouts, and repainting. Target: >= 30 per second.
// Runs offscreen unless a platform is set. Usage: bench_threshold [--images N] [--moves M]
#include "workspace/Workspace.h"
#include "plots/HistogramView.h"
#include "app/MainWindow.h"
#include "methods/Registry.h"
#include "metrics/Metrics.h"
#include "plots/PrView.h"
#include "plots/RocView.h"
#include "common/Runtime.h"

#include <QApplication>
#include <QElapsedTimer>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>

using namespace oodlens;
using namespace oodlens::ui;

namespace {

std::shared_ptr<FeatureSet> syntheticSet(std::size_t rows, const std::string& name)
{
    auto set = std::make_shared<FeatureSet>();
    set->rows = rows;
    set->dim = 2;
    set->classes = 2;
    set->features.assign(rows * 2, 0.5f);
    set->logits.assign(rows * 2, 0.0f);
    set->labels.assign(rows, -1);
    set->index.resize(rows);
    set->paths.resize(rows);
    for (std::size_t i = 0; i < rows; ++i) {
        set->index[i] = i;
        set->paths[i] = name + "#" + std::to_string(i);
    }
    return set;
}

RunResultPtr syntheticResult(std::size_t images)
{
    auto r = std::make_shared<RunResult>();
    const std::size_t half = images / 2;
    std::mt19937_64 rng(42);
    std::normal_distribution<double> id(2.0, 1.0), ood(0.0, 1.2);
    std::vector<double> idScores(half), oodScores(images - half);
    for (double& v : idScores)
        v = id(rng);
    for (double& v : oodScores)
        v = ood(rng);
    const char* names[] = {"synthetic-id", "synthetic-ood"};
    for (int d = 0; d < 2; ++d) {
        DatasetSummary s;
        s.name = names[d];
        s.path = names[d];
        s.role = d == 0 ? DatasetRole::Id : DatasetRole::Ood;
        s.kind = "synthetic";
        s.items = s.rows = d == 0 ? idScores.size() : oodScores.size();
        r->datasets.push_back(s);
        r->features.push_back(syntheticSet(s.rows, names[d]));
    }
    r->idIndex = 0;
    r->oodIndices = {1};
    const std::string method = comparisonMethods().front(); // any one-score method will do
    r->methods = {method};
    MetricsRow row;
    row.method = method;
    row.ood = names[1];
    row.metrics = computeMetrics(idScores, oodScores);
    r->metrics = {row};
    r->scores[method] = {std::move(idScores), std::move(oodScores)};
    return r;
}

} // namespace

int main(int argc, char** argv)
{
    std::size_t images = 100000;
    int moves = 300;
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], "--images") == 0)
            images = std::strtoull(argv[++i], nullptr, 10);
        else if (std::strcmp(argv[i], "--moves") == 0)
            moves = std::atoi(argv[++i]);
    }
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    initRuntime(1);
    QApplication app(argc, argv);

    MainWindowOptions options;
    options.autorun = false;
    options.persistSettings = false;
    options.methods = {comparisonMethods().front()};
    options.configFactory = []() { return RunConfig(); };
    MainWindow window(options);
    window.resize(1600, 1000);
    window.show();
    QApplication::processEvents();

    QElapsedTimer prepare;
    prepare.start();
    window.setResult(syntheticResult(images));
    QApplication::processEvents();
    std::printf("images: %zu (ID %zu, OOD %zu); showing the result took %.1f ms (sort, bins, curves)\n", images,
                images / 2, images - images / 2, prepare.nsecsElapsed() / 1e6);

    Workspace* session = window.session();
    const double lo = -1.0, hi = 3.0;
    auto runMoves = [&](bool fullReplot) {
        QElapsedTimer clock;
        clock.start();
        for (int i = 0; i < moves; ++i) {
            // Sweep back and forth as a drag would.
            const double phase = double(i % 100) / 99.0;
            const double t = (i / 100) % 2 == 0 ? lo + (hi - lo) * phase : hi - (hi - lo) * phase;
            session->setThreshold(t + 1e-9 * i);
            if (fullReplot) {
                window.histogramPlot()->replot(QCustomPlot::rpImmediateRefresh);
                window.rocPlot()->replot(QCustomPlot::rpImmediateRefresh);
                window.prPlot()->replot(QCustomPlot::rpImmediateRefresh);
            } else {
                // What the event loop does after a mouse move: paint the updated layers.
                window.histogramPlot()->repaint();
                window.rocPlot()->repaint();
                window.prPlot()->repaint();
            }
            QApplication::processEvents();
        }
        return moves / (clock.nsecsElapsed() / 1e9);
    };
    runMoves(false); // warm up
    const double layered = runMoves(false);
    const double full = runMoves(true);
    std::printf("threshold moves per second: %.0f (threshold layers only), %.0f (full replot of all three plots)\n",
                layered, full);
    std::printf("target >= 30 per second: %s\n", std::min(layered, full) >= 30 ? "met" : "NOT met");
    return std::min(layered, full) >= 30 ? 0 : 1;
}
