// SPDX-License-Identifier: GPL-3.0-or-later
// Reading the curves with the mouse: hovering the ROC or PR curve shows the threshold and rates
// of the point under the pointer, and a click sets the Workspace's threshold there. The expected
// point is found here by brute force over the raw scores, through the plot's own pixel mapping.
#include "metrics/Metrics.h"
#include "plots/CurvePlot.h"
#include "plots/CurveReadout.h"
#include "plots/PrView.h"
#include "plots/RocView.h"
#include "plots/ScorePlotsPanel.h"
#include "workspace/Workspace.h"

#include <QMouseEvent>
#include <QtTest>

#include <cmath>
#include <limits>
#include <random>
#include <set>

using namespace oodlens;
using namespace oodlens::ui;

namespace {

// Two methods ("energy", "msp") of one ID and one OOD set, with ties; msp in other units and
// weaker, so that its ROC runs well below energy's.
RunResultPtr makeResult()
{
    auto r = std::make_shared<RunResult>();
    DatasetSummary a, b;
    a.name = "id-set";
    a.role = DatasetRole::Id;
    a.rows = 300;
    b.name = "ood-set";
    b.role = DatasetRole::Ood;
    b.rows = 260;
    r->datasets = {a, b};
    r->idIndex = 0;
    r->oodIndices = {1};
    r->methods = {"energy", "msp"};
    std::mt19937 rng(5);
    std::normal_distribution<double> lo(0.0, 1.0);
    for (const std::string m : {"energy", "msp"}) {
        const double scale = m == "msp" ? 0.1 : 1.0;
        std::normal_distribution<double> hi(m == "msp" ? 0.3 : 1.8, 1.0);
        std::vector<double> id(300), ood(260);
        for (double& v : id)
            v = std::round(hi(rng) * 10) / 10 * scale;
        for (double& v : ood)
            v = std::round(lo(rng) * 10) / 10 * scale;
        MetricsRow row;
        row.method = m;
        row.ood = "ood-set";
        row.metrics = computeMetrics(id, ood);
        r->metrics.push_back(row);
        r->scores[m] = {id, ood};
    }
    return r;
}

struct Candidate {
    double threshold, tpr, fpr, precision;
};

// Every threshold that changes what is accepted, with its rates counted from the raw scores.
std::vector<Candidate> candidates(const std::vector<double>& id, const std::vector<double>& ood)
{
    std::set<double, std::greater<>> distinct(id.begin(), id.end());
    distinct.insert(ood.begin(), ood.end());
    std::vector<Candidate> out;
    out.push_back({std::numeric_limits<double>::infinity(), 0, 0, 1});
    for (double t : distinct) {
        double aId = 0, aOod = 0;
        for (double s : id)
            aId += s >= t;
        for (double s : ood)
            aOod += s >= t;
        out.push_back({t, aId / double(id.size()), aOod / double(ood.size()), aId / (aId + aOod)});
    }
    return out;
}

QPoint pixelOf(const CurvePlot* plot, double x, double y)
{
    return QPoint(int(std::lround(plot->xAxis->coordToPixel(x))), int(std::lround(plot->yAxis->coordToPixel(y))));
}

// The candidate drawn nearest to `pixel` on `plot` (ROC: fpr, tpr; PR: tpr, precision).
const Candidate& nearest(const std::vector<Candidate>& all, const CurvePlot* plot, bool roc, QPoint pixel)
{
    const Candidate* best = nullptr;
    double bestD = std::numeric_limits<double>::infinity();
    for (const Candidate& c : all) {
        if (!roc && std::isinf(c.threshold))
            continue; // the PR curve has no "accept nothing" point
        const double px = plot->xAxis->coordToPixel(roc ? c.fpr : c.tpr);
        const double py = plot->yAxis->coordToPixel(roc ? c.tpr : c.precision);
        const double d = std::hypot(px - pixel.x(), py - pixel.y());
        if (d < bestD) {
            bestD = d;
            best = &c;
        }
    }
    return *best;
}

void moveTo(QWidget* w, QPoint pos)
{
    QMouseEvent move(QEvent::MouseMove, QPointF(pos), w->mapToGlobal(QPointF(pos)), Qt::NoButton, Qt::NoButton,
                     Qt::NoModifier);
    QApplication::sendEvent(w, &move);
}

QString pct(double f)
{
    return QString::number(f * 100, 'f', 2) + QStringLiteral(" %");
}

} // namespace

class TestCurveReadout : public QObject {
    Q_OBJECT

private slots:
    void init()
    {
        result_ = makeResult();
        workspace_ = std::make_unique<Workspace>();
        workspace_->setMethods({"energy", "msp"});
        workspace_->setResult(result_);
        workspace_->setCurrentMethod(QStringLiteral("energy"));
        panel_ = std::make_unique<ScorePlotsPanel>(workspace_.get());
        panel_->resize(1100, 700);
        panel_->show();
        QVERIFY(QTest::qWaitForWindowExposed(panel_.get()));
        for (CurvePlot* p : std::initializer_list<CurvePlot*>{panel_->roc(), panel_->pr()})
            p->replot(); // lays the axes out at the shown size
    }
    void cleanup()
    {
        panel_.reset();
        workspace_.reset();
    }

    void hoverThenClickOnTheRocSetsThatThreshold()
    {
        const std::vector<Candidate> all = candidates(result_->scoresOf("energy", 0), result_->scoresOf("energy", 1));
        RocView* roc = panel_->roc();
        // Just beside the point at about 80 % TPR, so that the nearest point is a question.
        const Candidate* target = &all.front();
        for (const Candidate& c : all)
            if (std::abs(c.tpr - 0.8) < std::abs(target->tpr - 0.8))
                target = &c;
        const QPoint pos = pixelOf(roc, target->fpr, target->tpr) + QPoint(3, -2);
        const Candidate& expected = nearest(all, roc, true, pos);
        QVERIFY(std::isfinite(expected.threshold));
        QVERIFY(workspace_->threshold() != expected.threshold);

        moveTo(roc, pos);
        const QString text = roc->readingText();
        QVERIFY2(text.contains(QStringLiteral("TPR ") + pct(expected.tpr)), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("FPR ") + pct(expected.fpr)), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("precision ") + pct(expected.precision)), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("threshold ") + QString::number(expected.threshold, 'g', 5)),
                 qPrintable(text));
        QCOMPARE(roc->readingPoint(), QPointF(expected.fpr, expected.tpr));
        if (qEnvironmentVariableIsSet("OODLENS_LAYOUT_SHOTS"))
            panel_->grab().save(qEnvironmentVariable("OODLENS_LAYOUT_SHOTS") + QStringLiteral("/roc-hover.png"));

        QSignalSpy changed(workspace_.get(), &Workspace::thresholdChanged);
        QTest::mouseClick(roc, Qt::LeftButton, Qt::NoModifier, pos);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(workspace_->threshold(), expected.threshold);
        // The operating point moved onto the clicked point.
        const QPointF marker = roc->operatingPoints().front()->position->coords();
        QCOMPARE(marker, QPointF(expected.fpr, expected.tpr));
    }

    void clickOnThePrCurveSetsThatThreshold()
    {
        const std::vector<Candidate> all = candidates(result_->scoresOf("energy", 0), result_->scoresOf("energy", 1));
        PrView* pr = panel_->pr();
        const Candidate* target = &all[1];
        for (const Candidate& c : all)
            if (!std::isinf(c.threshold) && std::abs(c.tpr - 0.6) < std::abs(target->tpr - 0.6))
                target = &c;
        const QPoint pos = pixelOf(pr, target->tpr, target->precision) + QPoint(-2, 3);
        const Candidate& expected = nearest(all, pr, false, pos);
        moveTo(pr, pos);
        QVERIFY2(pr->readingText().contains(QStringLiteral("precision ") + pct(expected.precision)),
                 qPrintable(pr->readingText()));
        QTest::mouseClick(pr, Qt::LeftButton, Qt::NoModifier, pos);
        QCOMPARE(workspace_->threshold(), expected.threshold);
    }

    void farFromEveryCurveNothingIsReadOrSet()
    {
        RocView* roc = panel_->roc();
        const double before = workspace_->threshold();
        const QPoint pos = pixelOf(roc, 0.95, 0.05); // the empty lower-right corner
        moveTo(roc, pos);
        QVERIFY(roc->readingText().isEmpty());
        QTest::mouseClick(roc, Qt::LeftButton, Qt::NoModifier, pos);
        QCOMPARE(workspace_->threshold(), before);
    }

    void anOverlaidMethodsPointSetsTheCurrentThresholdAtTheSameIdShare()
    {
        panel_->setOverlay(true);
        RocView* roc = panel_->roc();
        roc->replot();
        QCOMPARE(int(roc->curves().size()), 2);
        // A point of msp's curve that energy's curve does not pass near.
        const std::vector<double>& mspId = result_->scoresOf("msp", 0);
        const std::vector<Candidate> msp = candidates(mspId, result_->scoresOf("msp", 1));
        const std::vector<Candidate> energy =
            candidates(result_->scoresOf("energy", 0), result_->scoresOf("energy", 1));
        const Candidate* target = nullptr;
        double farthest = 0;
        for (const Candidate& c : msp) {
            const QPoint p = pixelOf(roc, c.fpr, c.tpr);
            const Candidate& e = nearest(energy, roc, true, p);
            const double d = (QPointF(pixelOf(roc, e.fpr, e.tpr)) - QPointF(p)).manhattanLength();
            const bool nearerMsp = &nearest(msp, roc, true, p) == &c;
            if (nearerMsp && d > farthest && c.tpr > 0.1 && c.tpr < 0.95) {
                farthest = d;
                target = &c;
            }
        }
        QVERIFY(target);
        QVERIFY2(farthest > 20, "the two curves are too close for this test");
        QTest::mouseClick(roc, Qt::LeftButton, Qt::NoModifier, pixelOf(roc, target->fpr, target->tpr));
        // The highest energy threshold that accepts at least that share of the ID set.
        const std::vector<double>& energyId = result_->scoresOf("energy", 0);
        std::set<double, std::greater<>> ts(energyId.begin(), energyId.end());
        double expected = std::numeric_limits<double>::quiet_NaN();
        for (double t : ts) {
            double n = 0;
            for (double s : energyId)
                n += s >= t;
            if (n / double(energyId.size()) >= target->tpr) {
                expected = t;
                break;
            }
        }
        QCOMPARE(workspace_->threshold(), expected);
        QCOMPARE(workspace_->currentMethod(), QStringLiteral("energy"));
    }

private:
    RunResultPtr result_;
    std::unique_ptr<Workspace> workspace_;
    std::unique_ptr<ScorePlotsPanel> panel_;
};

QTEST_MAIN(TestCurveReadout)
#include "test_curvereadout.moc"
