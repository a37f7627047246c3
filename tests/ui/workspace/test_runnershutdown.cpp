// SPDX-License-Identifier: GPL-3.0-or-later
// Closing the window while a run is inside its longest uninterruptible-looking step (the bootstrap
// of every metrics row) must not hang: the runner cancels, the engine notices between resamples,
// and the destructor returns.
#include "run/Demo.h"
#include "workspace/AnalysisRunner.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace oodlens;
using namespace oodlens::ui;

class TestRunnerShutdown : public QObject {
    Q_OBJECT

private slots:
    void destroyingTheRunnerDuringBootstrapReturnsPromptly()
    {
        QTemporaryDir cache;
        RunConfig c = demoConfig();
        c.cacheDir = cache.path().toStdString();
        c.methods = {"msp", "energy", "maxlogit"};
        c.bootstrap = 500000; // minutes of resampling if nothing stops it
        auto* runner = new AnalysisRunner;
        bool inBootstrap = false;
        connect(runner, &AnalysisRunner::progress, this, [&](int, const QString& stage, qulonglong, qulonglong) {
            inBootstrap = inBootstrap || stage.contains(QStringLiteral("bootstrap"));
        });
        QVERIFY(runner->start(c));
        QTRY_VERIFY_WITH_TIMEOUT(inBootstrap, 240000);
        QElapsedTimer clock;
        clock.start();
        delete runner; // cancels and waits, at most AnalysisRunner::kShutdownWaitMs
        // Back before the wait ran out: the engine itself stopped (bootstrap polls cancellation),
        // the thread was not left behind.
        QVERIFY2(clock.elapsed() < AnalysisRunner::kShutdownWaitMs,
                 qPrintable(QStringLiteral("destructor took %1 ms").arg(clock.elapsed())));
    }
};

QTEST_MAIN(TestRunnerShutdown)
#include "test_runnershutdown.moc"
