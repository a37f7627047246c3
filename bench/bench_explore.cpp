// SPDX-License-Identifier: GPL-3.0-or-later
// Exploration views at scale (Qt offscreen): a synthetic run of 100,000 images (two sets of 50,000
// MNIST-sized images in an IDX file) through the gallery (sorting, scrolling page by page with
// thumbnails uncached then cached) and the scatter plot (rebuild, redraw, lasso).
#include "workspace/Workspace.h"
#include "explore/GalleryModel.h"
#include "explore/GalleryView.h"
#include "explore/ScatterView.h"
#include "methods/Scores.h"
#include "explore/ThumbnailLoader.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QListView>
#include <QScrollBar>
#include <QTemporaryDir>
#include <qcustomplot.h>

#include <algorithm>
#include <cstdio>
#include <random>

using namespace oodlens;
using namespace oodlens::ui;

namespace {

constexpr int kPerSet = 50000;

void writeIdx(const QString& file, int count)
{
    QFile f(file);
    if (!f.open(QIODevice::WriteOnly))
        qFatal("cannot write the benchmark images");
    const unsigned char header[] = {0, 0, 8, 3, static_cast<unsigned char>(count >> 24),
                                    static_cast<unsigned char>(count >> 16), static_cast<unsigned char>(count >> 8),
                                    static_cast<unsigned char>(count), 0, 0, 0, 28, 0, 0, 0, 28};
    f.write(reinterpret_cast<const char*>(header), sizeof header);
    QByteArray pixels(count * 28 * 28, 0);
    std::mt19937 rng(1);
    for (char& p : pixels)
        p = static_cast<char>(rng() & 0xff);
    f.write(pixels);
}

std::shared_ptr<FeatureSet> syntheticSet(std::mt19937& rng, int rows, float shift)
{
    auto s = std::make_shared<FeatureSet>();
    s->rows = rows;
    s->dim = 16;
    s->classes = 10;
    std::normal_distribution<float> g(0, 1);
    for (int i = 0; i < rows * 16; ++i)
        s->features.push_back(std::fabs(g(rng) + shift));
    for (int i = 0; i < rows * 10; ++i)
        s->logits.push_back(g(rng) * (3 - shift));
    for (int r = 0; r < rows; ++r) {
        s->labels.push_back(r % 10);
        s->index.push_back(static_cast<std::size_t>(r));
        s->paths.push_back("bench#" + std::to_string(r));
    }
    return s;
}

double ms(const QElapsedTimer& t)
{
    return static_cast<double>(t.nsecsElapsed()) / 1e6;
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QTemporaryDir dir;
    const QString idx = dir.filePath(QStringLiteral("bench-images-idx3-ubyte"));
    writeIdx(idx, kPerSet);

    std::mt19937 rng(2);
    auto result = std::make_shared<RunResult>();
    // The gradient score, its two factors and the non-gradient scores it is compared with.
    const MethodInfo& gradient = *primaryGradientMethod();
    result->methods = {gradient.id, gradient.factors->featureTerm, gradient.factors->outputTerm};
    for (const std::string& m : comparisonMethods())
        if (std::find(result->methods.begin(), result->methods.end(), m) == result->methods.end())
            result->methods.push_back(m);
    result->idIndex = 0;
    result->oodIndices = {1};
    Head head;
    for (int d = 0; d < 2; ++d) {
        DatasetSummary s;
        s.name = d == 0 ? "id" : "ood";
        s.path = idx.toStdString();
        s.role = d == 0 ? DatasetRole::Id : DatasetRole::Ood;
        s.rows = s.items = kPerSet;
        result->datasets.push_back(s);
        auto set = syntheticSet(rng, kPerSet, d == 0 ? 0.0f : 1.0f);
        const auto scores = computeScoreSet(result->methods, *set, head, ScoreParams());
        for (const auto& [m, v] : scores)
            result->scores[m].push_back(v);
        result->features.push_back(set);
    }

    Workspace session;
    session.setCurrentMethod(QString::fromStdString(gradient.id));
    ThumbnailLoader loader;
    QObject::connect(&session, &Workspace::resultChanged, &loader, [&] { loader.setResult(session.result()); });
    GalleryView gallery(&session, &loader);
    gallery.resize(1280, 900);
    gallery.show();
    QElapsedTimer t;
    t.start();
    session.setResult(result);
    app.processEvents();
    std::printf("images: %d\n", 2 * kPerSet);
    std::printf("gallery: set result + sort + layout: %.1f ms\n", ms(t));
    t.restart();
    gallery.model()->setSortMethod(QString::fromStdString(comparisonMethods().front()));
    gallery.listView()->viewport()->repaint();
    std::printf("gallery: re-sort by another score + repaint: %.1f ms\n", ms(t));

    QScrollBar* bar = gallery.listView()->verticalScrollBar();
    const int page = bar->pageStep();
    const int pages = 40;
    // Uncached: each page painted at once (placeholders), thumbnails decoded off the GUI thread.
    double paintTotal = 0, worstPaint = 0;
    t.restart();
    for (int p = 0; p < pages; ++p) {
        QElapsedTimer one;
        one.start();
        bar->setValue(p * page * 50); // far apart, so every page is new
        gallery.listView()->viewport()->repaint();
        const double m = ms(one);
        paintTotal += m;
        worstPaint = std::max(worstPaint, m);
        while (loader.pending() > 0)
            app.processEvents(QEventLoop::AllEvents, 5);
        gallery.listView()->viewport()->repaint();
    }
    const double uncached = ms(t);
    std::printf("gallery: %d pages uncached: paint %.2f ms/page (worst %.2f ms), until every thumbnail is shown "
                "%.1f ms/page\n",
                pages, paintTotal / pages, worstPaint, uncached / pages);
    paintTotal = 0;
    worstPaint = 0;
    for (int p = 0; p < pages; ++p) {
        QElapsedTimer one;
        one.start();
        bar->setValue(p * page * 50);
        gallery.listView()->viewport()->repaint();
        const double m = ms(one);
        paintTotal += m;
        worstPaint = std::max(worstPaint, m);
    }
    std::printf("gallery: %d pages cached: %.2f ms/page (worst %.2f ms)\n", pages, paintTotal / pages, worstPaint);
    // Smooth scrolling: 200 small steps through consecutive rows.
    bar->setValue(0);
    t.restart();
    for (int s = 0; s < 200; ++s) {
        bar->setValue(s * 40);
        gallery.listView()->viewport()->repaint();
        app.processEvents();
    }
    std::printf("gallery: 200 scroll steps of 40 px with decoding in flight: %.2f ms/step\n", ms(t) / 200);
    gallery.hide();

    ScatterView scatter(&session, &loader);
    scatter.resize(1000, 800);
    scatter.show();
    app.processEvents();
    t.restart();
    scatter.rebuild();
    std::printf("scatter: rebuild (%zu points) + replot: %.1f ms\n", scatter.pointCount(), ms(t));
    const int replots = 20;
    t.restart();
    for (int i = 0; i < replots; ++i)
        scatter.plot()->replot(QCustomPlot::rpImmediateRefresh);
    std::printf("scatter: replot: %.1f ms\n", ms(t) / replots);
    scatter.applyPreset(ScatterView::Preset::DecompositionPlane);
    t.restart();
    for (int i = 0; i < replots; ++i)
        scatter.plot()->replot(QCustomPlot::rpImmediateRefresh);
    std::printf("scatter: replot, decomposition plane (log axes): %.1f ms\n", ms(t) / replots);
    const QRect area = scatter.plot()->axisRect()->rect();
    const QPolygonF lasso({QPointF(area.topLeft()), QPointF(area.center()), QPointF(area.bottomLeft())});
    t.restart();
    const auto picked = scatter.imagesInPolygon(lasso);
    std::printf("scatter: lasso over %zu points: %.1f ms (%lld picked)\n", scatter.pointCount(), ms(t),
                static_cast<long long>(picked.size()));
    t.restart();
    const ImageRef near = scatter.imageNear(QPointF(area.center()), 6);
    std::printf("scatter: nearest point (hover/click): %.2f ms (%s)\n", ms(t), near.isValid() ? "hit" : "none");
    return 0;
}
