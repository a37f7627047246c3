// SPDX-License-Identifier: GPL-3.0-or-later
// Results appear as each dataset finishes: a run over the demo ID set and two OOD sets hands over a
// partial result after the first OOD set, then the final one with both; a run cancelled after a
// partial result keeps it on screen and says so.
#include "workspace/AnalysisRunner.h"
#include "workspace/Workspace.h"
#include "workspace/AnalysisWorker.h"
#include "run/Demo.h"
#include "common/Error.h"
#include "app/MainWindow.h"
#include "common/Runtime.h"

#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <memory>

using namespace oodlens;
using namespace oodlens::ui;

namespace {

constexpr int kRunTimeoutMs = 120000;

// MNIST test (ID), Fashion-MNIST (OOD) and the MNIST training subset as a second "OOD" set.
RunConfig twoOodConfig(const QString& cacheDir)
{
    RunConfig config = demoConfig();
    const std::string dir = demoDirectory();
    std::vector<DatasetSpec> datasets;
    for (const DatasetSpec& d : config.datasets)
        if (d.role == DatasetRole::Id || d.role == DatasetRole::Ood)
            datasets.push_back(d);
    datasets.push_back({"mnist-train", dir + "/mnist-train-5000-images-idx3-ubyte.gz", DatasetRole::Ood});
    config.datasets = datasets;
    config.methods = {"msp", "energy", "gradnorm"};
    config.cacheDir = cacheDir.toStdString();
    config.batchSize = 32; // more batches: a cancel is noticed sooner
    return config;
}

} // namespace

class TestPartialResults : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(cache_.isValid());
        qputenv("OODLENS_CACHE_DIR", QFile::encodeName(cache_.path()));
        initRuntime(0);
        try {
            demoDirectory();
        } catch (const Error& e) {
            QFAIL(e.what());
        }
    }

    void partialResultPrecedesTheFinalOne()
    {
        AnalysisRunner runner;
        std::vector<std::pair<bool, RunResultPtr>> received; // (final, result) in arrival order
        connect(&runner, &AnalysisRunner::partialResult, this,
                [&](RunResultPtr r) { received.emplace_back(false, r); });
        connect(&runner, &AnalysisRunner::finished, this, [&](RunResultPtr r) { received.emplace_back(true, r); });
        QVERIFY(runner.start(twoOodConfig(cache_.path())));
        QTRY_VERIFY_WITH_TIMEOUT(!runner.isRunning(), kRunTimeoutMs);
        QVERIFY(!received.empty() && received.back().first);
        QVERIFY2(received.size() >= 2, "no partial result before the final one");

        const RunResult& first = *received.front().second;
        QVERIFY(!received.front().first);
        QVERIFY(first.partial);
        QCOMPARE(first.oodIndices.size(), std::size_t(1));
        QCOMPARE(first.datasets.size(), std::size_t(3));
        const std::size_t done = first.oodIndices[0];
        const std::size_t pending = done == 1 ? 2 : 1;
        QCOMPARE(first.datasets[done].name, std::string("fashion-mnist"));
        QVERIFY(!first.datasets[pending].error.empty());
        for (const std::string m : {"msp", "energy", "gradnorm"}) {
            QCOMPARE(first.scoresOf(m, first.idIndex).size(), std::size_t(2000));
            QCOMPARE(first.scoresOf(m, done).size(), std::size_t(2000));
            QVERIFY(first.scoresOf(m, pending).empty());
            QVERIFY(first.metricsOf(m, "fashion-mnist"));
            QVERIFY(!first.metricsOf(m, "mnist-train"));
        }

        const RunResult& final = *received.back().second;
        QVERIFY(!final.partial);
        QCOMPARE(final.oodIndices.size(), std::size_t(2));
        QCOMPARE(final.metrics.size(), std::size_t(6));
        QVERIFY(final.metricsOf("energy", "mnist-train"));
        // Same datasets at the same indices, same features: views keep their image references.
        QCOMPARE(final.features[done], first.features[done]);
        QCOMPARE(final.scoresOf("energy", done), first.scoresOf("energy", done));
        QCOMPARE(final.metricsOf("energy", "fashion-mnist")->metrics.auroc,
                 first.metricsOf("energy", "fashion-mnist")->metrics.auroc);
    }

    void workerCancelledAfterAPartialResult()
    {
        // Deterministic: the worker runs here, and the cancel is set as the first partial arrives.
        AnalysisWorker worker;
        auto cancel = std::make_shared<std::atomic<bool>>(false);
        int partials = 0, finished = 0, cancelled = 0;
        connect(&worker, &AnalysisWorker::partialResult, this, [&](quint64, RunResultPtr r) {
            QVERIFY(r && r->partial);
            ++partials;
            cancel->store(true);
        }, Qt::DirectConnection);
        connect(&worker, &AnalysisWorker::finished, this, [&] { ++finished; }, Qt::DirectConnection);
        connect(&worker, &AnalysisWorker::cancelled, this, [&] { ++cancelled; }, Qt::DirectConnection);
        worker.run(1, twoOodConfig(cache_.path()), cancel);
        QCOMPARE(partials, 1);
        QCOMPARE(finished, 0);
        QCOMPARE(cancelled, 1);
    }

    void windowShowsPartialsKeepsTheMethodAndKeepsThemOnCancel()
    {
        QTemporaryDir freshCache; // the second OOD set runs through the model: time to cancel
        QVERIFY(freshCache.isValid());
        MainWindowOptions options;
        options.autorun = false;
        options.persistSettings = false;
        options.methods = {"msp", "energy", "gradnorm"};
        options.method = "energy";
        const QString cacheDir = freshCache.path();
        options.configFactory = [cacheDir] { return twoOodConfig(cacheDir); };
        MainWindow window(options);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        // A full run: each partial result is shown as it arrives, then the final one.
        QSignalSpy finished(&window, &MainWindow::runFinished);
        int partialsShown = 0;
        double partialThreshold = 0;
        connect(window.runner(), &AnalysisRunner::partialResult, this, [&](RunResultPtr r) {
            // Connected after the window's own slot: the window shows it already.
            QCOMPARE(window.result(), r);
            QCOMPARE(window.session()->result(), r);
            QCOMPARE(window.currentMethod(), QStringLiteral("energy"));
            QVERIFY(window.statusText().contains(QStringLiteral("so far")));
            partialThreshold = window.session()->threshold();
            ++partialsShown;
        });
        QVERIFY(window.startRun());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRunTimeoutMs);
        QVERIFY(partialsShown >= 1);
        QVERIFY(!window.result()->partial);
        QCOMPARE(window.currentMethod(), QStringLiteral("energy"));
        QCOMPARE(window.session()->currentMethod(), QStringLiteral("energy"));
        // The ID scores did not change: the final result leaves the threshold where it was.
        QCOMPARE(window.session()->threshold(), partialThreshold);
        window.runner()->disconnect(this);

        // A second window (its own worker, an empty cache) extracts again; cancel at the first partial.
        QTemporaryDir freshCache2;
        const QString cacheDir2 = freshCache2.path();
        MainWindowOptions options2 = options;
        options2.configFactory = [cacheDir2] { return twoOodConfig(cacheDir2); };
        MainWindow second(options2);
        second.show();
        QSignalSpy cancelled(&second, &MainWindow::runCancelled);
        QSignalSpy finished2(&second, &MainWindow::runFinished);
        RunResultPtr partial;
        connect(second.runner(), &AnalysisRunner::partialResult, this, [&](RunResultPtr r) {
            if (!partial) {
                partial = r;
                second.cancelRun();
            }
        });
        QVERIFY(second.startRun());
        QTRY_VERIFY_WITH_TIMEOUT(cancelled.count() + finished2.count() == 1, kRunTimeoutMs);
        QVERIFY(partial);
        if (finished2.count() == 1)
            QSKIP("the run finished before the cancel landed (machine too fast); nothing to check");
        QCOMPARE(second.result(), partial); // nothing already computed is lost
        QCOMPARE(second.session()->result(), partial);
        QVERIFY2(second.statusText().contains(QStringLiteral("cancelled")), qPrintable(second.statusText()));
        QVERIFY2(second.statusText().contains(QStringLiteral("partial")), qPrintable(second.statusText()));
        QVERIFY(!second.isRunning());
    }

private:
    QTemporaryDir cache_;
};

QTEST_MAIN(TestPartialResults)
#include "test_partialresults.moc"
