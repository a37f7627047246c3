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
    throwIfCancelled(&sink);
    // Set from another thread, as the GUI thread does.
    std::thread([flag]() { flag->store(true); }).join();
    QVERIFY(sink.isCancelRequested());
    QVERIFY_THROWS_EXCEPTION(Cancelled, throwIfCancelled(&sink));
}

void TestCancellableProgressSink::reportsAreThrottledButStagesAndEndsPassThrough()
{
    std::vector<std::pair<std::string, std::size_t>> seen;
    CancellableProgressSink sink(
        nullptr, [&](const std::string& stage, std::size_t done, std::size_t) { seen.emplace_back(stage, done); },
        std::chrono::hours(1));
    for (std::size_t i = 0; i <= 1000; ++i)
        sink.update("a", i, 1000);
    sink.update("b", 0, 10);
    sink.update("b", 5, 10);
    sink.update("b", 10, 10);
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
    CancellableProgressSink sink(nullptr, [&](const std::string& stage, std::size_t, std::size_t) { last = stage; });
    sink.setPathNames({{"/data/fashion-mnist-2000-images-idx3-ubyte.gz", "fashion-mnist"}});
    sink.update("extracting '/data/fashion-mnist-2000-images-idx3-ubyte.gz'", 0, 10);
    QCOMPARE(last, std::string("extracting fashion-mnist"));
    sink.update("gradnorm (autograd)", 0, 10);
    QCOMPARE(last, std::string("gradnorm (autograd)"));
}

void TestCancellableProgressSink::warningsAreKept()
{
    CancellableProgressSink sink(nullptr, {});
    sink.warning("skipped x.png: not an image");
    QCOMPARE(sink.warnings().size(), std::size_t(1));
}

QTEST_APPLESS_MAIN(TestCancellableProgressSink)
#include "test_cancellableprogresssink.moc"
