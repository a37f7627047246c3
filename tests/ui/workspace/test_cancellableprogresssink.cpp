// SPDX-License-Identifier: GPL-3.0-or-later
// The GUI's ProgressSink: atomic cancellation, throttled reports, readable stage names.
#include "workspace/CancellableProgressSink.h"
#include "common/Error.h"

#include <QtTest>

#include <thread>

using namespace oodlens;
using namespace oodlens::ui;

class TestCancellableProgressSink : public QObject {
    Q_OBJECT

private slots:
    void cancelFlagIsSeenByTheEngine();
    void reportsAreThrottledButStagesAndEndsPassThrough();
    void pathsInStagesBecomeDatasetNames();
    void warningsAreKept();
};

void TestCancellableProgressSink::cancelFlagIsSeenByTheEngine()
{
    auto flag = std::make_shared<std::atomic<bool>>(false);
    CancellableProgressSink sink(flag, {});
    QVERIFY(!sink.isCancelRequested());
    // Set from another thread, as the GUI thread does.
    std::thread([flag]() { flag->store(true); }).join();
    QVERIFY(sink.isCancelRequested());
}

void TestCancellableProgressSink::reportsAreThrottledButStagesAndEndsPassThrough()
{
    std::vector<std::pair<std::string, std::size_t>> seen;
    CancellableProgressSink sink(
        nullptr, [&](const RunProgress& p) { seen.emplace_back(p.label, p.done); }, std::chrono::hours(1));
    const auto update = [&](const char* stage, std::size_t done, std::size_t total) {
        sink.progress({RunStage::Extract, 0, {}, done, total, stage});
    };
    for (std::size_t i = 0; i <= 1000; ++i)
        update("a", i, 1000);
    update("b", 0, 10);
    update("b", 5, 10);
    update("b", 10, 10);
    // "a" starts and ends, "b" starts and ends; everything in between is throttled.
    QCOMPARE(seen.size(), std::size_t(4));
    QCOMPARE(seen[0], std::make_pair(std::string("a"), std::size_t(0)));
    QCOMPARE(seen[1], std::make_pair(std::string("a"), std::size_t(1000)));
    QCOMPARE(seen[2], std::make_pair(std::string("b"), std::size_t(0)));
    QCOMPARE(seen[3], std::make_pair(std::string("b"), std::size_t(10)));
    QCOMPARE(sink.reported(), std::size_t(4));
}

void TestCancellableProgressSink::pathsInStagesBecomeDatasetNames()
{
    std::string last;
    CancellableProgressSink sink(nullptr, [&](const RunProgress& p) { last = p.label; });
    sink.setPathNames({{"/data/fashion-mnist-2000-images-idx3-ubyte.gz", "fashion-mnist"}});
    sink.progress({RunStage::Extract, 1, {}, 0, 10, "extracting '/data/fashion-mnist-2000-images-idx3-ubyte.gz'"});
    QCOMPARE(last, std::string("extracting fashion-mnist"));
    sink.progress({RunStage::Score, 1, "gradnorm_autograd", 0, 10, "gradnorm (autograd)"});
    QCOMPARE(last, std::string("gradnorm (autograd)"));
}

void TestCancellableProgressSink::warningsAreKept()
{
    CancellableProgressSink sink(nullptr, {});
    sink.warning({1, {}, "skipped x.png: not an image"});
    QCOMPARE(sink.warnings().size(), std::size_t(1));
}

QTEST_APPLESS_MAIN(TestCancellableProgressSink)
#include "test_cancellableprogresssink.moc"
