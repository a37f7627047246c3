// SPDX-License-Identifier: GPL-3.0-or-later
// From analysis to decision in the window, offscreen, on the demo: File > Export detector writes the
// current method at the current threshold; oodlens-cli apply and the Apply tab apply that file to
// the demo's Fashion-MNIST set, and both flag exactly the images whose score from the window's own
// run is below the threshold (an independent count: the run scored them through the pipeline, the
// apply through the detector's streaming path). The tab's gallery shows the flagged images with
// thumbnails, its list export equals the CLI's flagged rows, a cancel keeps what was decided, a
// corrupt detector and another model are refused with the reason, and the risk-coverage curve is
// core's.
#include "app/ExportActions.h"
#include "app/MainWindow.h"
#include "apply/ApplyGalleryModel.h"
#include "apply/ApplyView.h"
#include "metrics/Deployment.h"
#include "plots/HistogramView.h"
#include "plots/RiskCoverageView.h"
#include "run/Demo.h"
#include "workspace/Workspace.h"

#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <map>
#include <set>

using namespace oodlens;
using namespace oodlens::ui;

namespace {

constexpr int kTimeoutMs = 180000;

QString fashion() { return QString::fromStdString(demoDirectory() + "/fashion-mnist-2000-images-idx3-ubyte.gz"); }

// path -> (decision, score) of a decisions.csv (paths here have no commas or quotes).
std::map<QString, std::pair<QString, double>> readDecisions(const QString& file)
{
    std::map<QString, std::pair<QString, double>> out;
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        return out;
    const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (int i = 1; i < lines.size(); ++i) {
        const QStringList c = lines[i].split(QLatin1Char(','));
        if (c.size() >= 4)
            out[c[0]] = {c[3], c[2].toDouble()};
    }
    return out;
}

} // namespace

class TestApplyView : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void exportedDetectorFlagsWhatTheRunScoresBelowTheThreshold();
    void applyTabShowsTheFlaggedImagesAndExportsTheList();
    void cancelKeepsWhatWasDecided();
    void corruptDetectorAndAnotherModelAreRefusedWithTheReason();
    void riskCoverageCurveIsCores();

private:
    bool waitApply();
    std::unique_ptr<MainWindow> window_;
    ApplyView* apply_ = nullptr;
    QTemporaryDir dir_, cacheDir_;
    QString detectorPath_;
    std::size_t expectedFlagged_ = 0, fashionScored_ = 0;
    double threshold_ = 0;
};

bool TestApplyView::waitApply()
{
    QSignalSpy done(apply_, &ApplyView::finished);
    return done.wait(kTimeoutMs);
}

void TestApplyView::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    qputenv("OODLENS_CACHE_DIR", QFile::encodeName(cacheDir_.path()));
    MainWindowOptions options;
    options.autorun = false;
    options.persistSettings = false;
    options.methods = {"energy", "msp"};
    window_ = std::make_unique<MainWindow>(options);
    window_->resize(1400, 900);
    window_->show();
    QSignalSpy finished(window_.get(), &MainWindow::runFinished);
    QVERIFY(window_->startRun());
    QVERIFY(finished.wait(kTimeoutMs));
    apply_ = window_->applyView();
    QVERIFY(apply_);
    QCOMPARE(window_->centralTabs()->tabText(MainWindow::ApplyTab), QStringLiteral("Apply"));

    Workspace* ws = window_->workspace();
    ws->setCurrentMethod(QStringLiteral("energy"));
    // A threshold of our own, between the 95 % one and the median ID score.
    const RunResultPtr r = ws->result();
    QVERIFY(r);
    std::vector<double> id = r->scoresOf("energy", std::size_t(r->idIndex));
    std::sort(id.begin(), id.end());
    threshold_ = id[id.size() / 10];
    ws->setThreshold(threshold_);
    QCOMPARE(ws->threshold(), threshold_);
    // Brute force from the run: the fashion-mnist images the window's own scores put below it.
    for (std::size_t d = 0; d < r->datasets.size(); ++d)
        if (r->datasets[d].name == "fashion-mnist")
            for (double s : r->scoresOf("energy", d)) {
                ++fashionScored_;
                expectedFlagged_ += !(s >= threshold_);
            }
    QVERIFY(fashionScored_ == 2000);
    QVERIFY(expectedFlagged_ > 0 && expectedFlagged_ < fashionScored_);

    detectorPath_ = dir_.filePath(QStringLiteral("energy-detector.json"));
    QSignalSpy written(window_->exportActions(), &ExportActions::detectorWritten);
    QVERIFY(window_->exportActions()->exportDetector(detectorPath_));
    QVERIFY(written.wait(kTimeoutMs));
    QVERIFY(QFile::exists(detectorPath_));
    QVERIFY(QFile::exists(dir_.filePath(QStringLiteral("energy-detector.bin"))));
}

void TestApplyView::exportedDetectorFlagsWhatTheRunScoresBelowTheThreshold()
{
    const QString out = dir_.filePath(QStringLiteral("cli"));
    QProcess cli;
    cli.start(QStringLiteral(OODLENS_CLI), {QStringLiteral("apply"), QStringLiteral("--detector"), detectorPath_,
                                            QStringLiteral("--images"), fashion(), QStringLiteral("--out"), out});
    QVERIFY(cli.waitForFinished(kTimeoutMs));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
    const auto decisions = readDecisions(out + QStringLiteral("/decisions.csv"));
    QCOMPARE(decisions.size(), fashionScored_);
    std::size_t flagged = 0;
    for (const auto& [path, d] : decisions) {
        flagged += d.first == QStringLiteral("flagged");
        QCOMPARE(d.first == QStringLiteral("flagged"), !(d.second >= threshold_));
    }
    QCOMPARE(flagged, expectedFlagged_);
    QFile summary(out + QStringLiteral("/summary.json"));
    QVERIFY(summary.open(QIODevice::ReadOnly));
    QVERIFY(summary.readAll().contains("\"flagged\": " + QByteArray::number(qulonglong(expectedFlagged_))));
}

void TestApplyView::applyTabShowsTheFlaggedImagesAndExportsTheList()
{
    window_->centralTabs()->setCurrentIndex(MainWindow::ApplyTab);
    QVERIFY(apply_->openDetector(detectorPath_));
    QCOMPARE(apply_->detector()->threshold, threshold_);
    apply_->clearSources();
    apply_->addSource(fashion());
    apply_->addSource(fashion()); // a second time: kept once
    QCOMPARE(apply_->sources().size(), 1);
    QVERIFY(apply_->start());
    QVERIFY(apply_->isRunning());
    QVERIFY(waitApply());
    QVERIFY(!apply_->isRunning());
    QCOMPARE(apply_->summary().scored, fashionScored_);
    QCOMPARE(apply_->summary().flagged, expectedFlagged_);

    // The gallery: the flagged images, lowest score first, with thumbnails.
    ApplyGalleryModel* g = apply_->gallery();
    QCOMPARE(std::size_t(g->rowCount()), expectedFlagged_);
    for (int r = 1; r < g->rowCount(); ++r)
        QVERIFY(g->decisionAt(r - 1).score <= g->decisionAt(r).score);
    QVERIFY(g->decisionAt(0).flagged);
    (void)g->data(g->index(0), Qt::DecorationRole);
    QVERIFY(g->waitForThumbnails(30000));
    const QImage thumb = g->data(g->index(0), Qt::DecorationRole).value<QImage>();
    QVERIFY(!thumb.isNull());
    QVERIFY(thumb.width() <= g->thumbnailSize() && thumb.height() <= g->thumbnailSize());
    QVERIFY(g->decodesStarted() >= 1);
    QVERIFY(g->data(g->index(0), Qt::ToolTipRole).toString().contains(QStringLiteral("flagged")));
    g->setFilter(ApplyGalleryModel::Filter::Accepted);
    QCOMPARE(std::size_t(g->rowCount()), fashionScored_ - expectedFlagged_);
    g->setFilter(ApplyGalleryModel::Filter::All);
    QCOMPARE(std::size_t(g->rowCount()), fashionScored_);
    g->setFilter(ApplyGalleryModel::Filter::Flagged);

    // The histogram: calibration ID scores against the applied ones, at the threshold.
    QVERIFY(apply_->histogram()->graphCount() + apply_->histogram()->plottableCount() > 0);

    // The list export: the CLI's flagged rows, score for score.
    const QString list = dir_.filePath(QStringLiteral("flagged.csv"));
    QVERIFY(apply_->exportList(list));
    const auto gui = readDecisions(list);
    const auto cli = readDecisions(dir_.filePath(QStringLiteral("cli/decisions.csv")));
    QCOMPARE(gui.size(), expectedFlagged_);
    for (const auto& [path, d] : gui) {
        QCOMPARE(d.first, QStringLiteral("flagged"));
        QVERIFY(cli.count(path));
        QCOMPARE(cli.at(path).first, QStringLiteral("flagged"));
        QCOMPARE(cli.at(path).second, d.second);
    }
}

void TestApplyView::cancelKeepsWhatWasDecided()
{
    QVERIFY(apply_->useCurrentMethod());
    apply_->clearSources();
    const QString mnist = QString::fromStdString(demoDirectory() + "/mnist-train-5000-images-idx3-ubyte.gz");
    apply_->addSource(mnist);
    apply_->addSource(fashion());
    QVERIFY(apply_->start());
    QVERIFY(!apply_->start()); // one at a time
    apply_->cancel();
    QVERIFY(waitApply());
    QVERIFY(!apply_->isRunning());
    // Whatever was decided before the cancel is shown and consistent with its counts.
    const ApplySummary& s = apply_->summary();
    QVERIFY(s.scored + s.unreadable < 7000);
    QCOMPARE(std::size_t(apply_->gallery()->decisions().size()), s.scored + s.unreadable);
}

void TestApplyView::corruptDetectorAndAnotherModelAreRefusedWithTheReason()
{
    // A truncated detector: refused, the file named.
    QFile in(detectorPath_);
    QVERIFY(in.open(QIODevice::ReadOnly));
    const QByteArray json = in.readAll();
    in.close();
    const QString broken = dir_.filePath(QStringLiteral("broken.json"));
    QFile out(broken);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(json.left(json.size() / 2));
    out.close();
    QSignalSpy status(apply_, &ApplyView::status);
    QVERIFY(!apply_->openDetector(broken));
    QVERIFY(!status.isEmpty());
    QVERIFY(status.last().at(1).toBool());
    QVERIFY2(status.last().at(0).toString().contains(broken), qPrintable(status.last().at(0).toString()));
    // The dialog's way, on a worker: the same refusal, then a good file opens.
    QSignalSpy opened(apply_, &ApplyView::detectorOpened);
    apply_->openDetectorInBackground(broken);
    QVERIFY(opened.wait(kTimeoutMs));
    QCOMPARE(opened.last().at(0).toBool(), false);
    QVERIFY(status.last().at(0).toString().contains(broken));
    apply_->openDetectorInBackground(detectorPath_);
    QVERIFY(opened.wait(kTimeoutMs));
    QCOMPARE(opened.last().at(0).toBool(), true);
    QCOMPARE(apply_->detector()->threshold, threshold_);

    // The same detector for a model of another hash: refused naming both, scored when allowed.
    Detector other = *apply_->detector();
    other.modelSha256 = std::string(64, 'a');
    apply_->setDetector(std::make_shared<Detector>(other), QStringLiteral("edited"));
    apply_->clearSources();
    apply_->addSource(QString::fromStdString(demoDirectory() + "/fashion-mnist-val-1000-images-idx3-ubyte.gz"));
    apply_->setAllowModelMismatch(false);
    status.clear();
    QVERIFY(apply_->start());
    QVERIFY(waitApply());
    bool named = false;
    for (const QList<QVariant>& s : status) {
        const QString text = s.at(0).toString() + s.at(2).toString();
        named = named || (text.contains(QString(64, QLatin1Char('a'))) &&
                          text.contains(QString::fromStdString(window_->workspace()->result()->model.sha256)));
    }
    QVERIFY(named);
    QCOMPARE(apply_->summary().scored, std::size_t(0));
    apply_->setAllowModelMismatch(true);
    QVERIFY(apply_->start());
    QVERIFY(waitApply());
    QCOMPARE(apply_->summary().scored, std::size_t(1000));
    QVERIFY(apply_->summary().modelMismatch);
}

void TestApplyView::riskCoverageCurveIsCores()
{
    const RunResultPtr r = window_->workspace()->result();
    const auto id = std::size_t(r->idIndex);
    const RiskCoverage expected = riskCoverageCurve(r->scoresOf("energy", id), correctness(*r->features[id]));
    const RiskCoverage& shown = apply_->riskCoverage()->curve();
    QCOMPARE(shown.coverage.size(), expected.coverage.size());
    QVERIFY(!shown.coverage.empty());
    for (std::size_t i = 0; i < shown.coverage.size(); ++i) {
        QCOMPARE(shown.coverage[i], expected.coverage[i]);
        QCOMPARE(shown.risk[i], expected.risk[i]);
    }
    QVERIFY(apply_->riskCoverage()->title().contains(QStringLiteral("AURC")));
    // The operating point moves with the threshold.
    window_->workspace()->setThreshold(threshold_);
    const QCPItemTracer* point = apply_->riskCoverage()->operatingPoints().at(0);
    QVERIFY(point->visible());
    double share = 0;
    for (double s : r->scoresOf("energy", id))
        share += s >= threshold_;
    share /= double(r->scoresOf("energy", id).size());
    QVERIFY(std::abs(point->position->key() - share) < 1e-9);
}

QTEST_MAIN(TestApplyView)
#include "test_applyview.moc"
