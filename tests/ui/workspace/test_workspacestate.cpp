// SPDX-License-Identifier: GPL-3.0-or-later
// The Workspace as the one owner of the GUI's state, driven with a RunResult built by hand (an
// ID set, two OOD sets, two methods; no model runs): a result notifies once and sets the
// threshold at 95% ID TPR; a rescore that keeps the ID scores keeps the threshold, one that
// changes them keeps the share of ID accepted; a method switch carries that share; config edits
// follow core's dataset rules and say so; a model change clears the result; and the docks
// (histogram, metrics table, threshold readouts, datasets) follow the Workspace's signals alone.
#include "docks/DatasetsPanel.h"
#include "docks/MetricsPanel.h"
#include "docks/ThresholdPanel.h"
#include "metrics/Metrics.h"
#include "plots/HistogramView.h"
#include "plots/MetricsTableModel.h"
#include "plots/RocView.h"
#include "plots/ScorePlotsPanel.h"
#include "workspace/Workspace.h"

#include <QSignalSpy>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <memory>

using namespace oodlens;
using namespace oodlens::ui;

namespace {

// n scores: a + b * i for i = 0..n-1, in a shuffled but fixed order.
std::vector<double> ramp(std::size_t n, double a, double b)
{
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[(i * 7) % n] = a + b * double(i); // 7 is coprime with the sizes used
    return v;
}

std::size_t acceptedAt(const std::vector<double>& scores, double t)
{
    return std::size_t(std::count_if(scores.begin(), scores.end(), [t](double s) { return s >= t; }));
}

// id (100 images), near-ood (60), far-ood (40); "energy" and "msp" rank them differently.
std::shared_ptr<RunResult> makeResult(double energyScale = 1.0)
{
    auto r = std::make_shared<RunResult>();
    const char* names[] = {"mnist", "near-ood", "far-ood"};
    const DatasetRole roles[] = {DatasetRole::Id, DatasetRole::Ood, DatasetRole::Ood};
    const std::size_t rows[] = {100, 60, 40};
    for (int d = 0; d < 3; ++d) {
        DatasetSummary s;
        s.name = names[d];
        s.path = std::string("/data/") + names[d];
        s.role = roles[d];
        s.rows = s.items = rows[d];
        r->datasets.push_back(s);
    }
    r->idIndex = 0;
    r->oodIndices = {1, 2};
    r->methods = {"energy", "msp"};
    r->scores["energy"] = {ramp(100, 5, 0.1 * energyScale), ramp(60, 2, 0.08 * energyScale),
                           ramp(40, 0, 0.05 * energyScale)};
    r->scores["msp"] = {ramp(100, 0.4, 0.006), ramp(60, 0.3, 0.005), ramp(40, 0.2, 0.008)};
    for (const std::string& m : r->methods)
        for (std::size_t ood : r->oodIndices) {
            MetricsRow row;
            row.method = m;
            row.ood = r->datasets[ood].name;
            row.metrics = computeMetrics(r->scores[m][0], r->scores[m][ood]);
            r->metrics.push_back(row);
        }
    r->model.path = "/models/a.pt";
    r->config.modelPath = r->model.path; // a run's result carries the config it was made with
    return r;
}

} // namespace

class TestWorkspaceState : public QObject {
    Q_OBJECT

private slots:
    void settingTheResultNotifiesOnce();
    void rescoreKeepsTheThresholdOrTheIdShare();
    void methodSwitchCarriesTheIdAcceptance();
    void datasetEditsFollowTheRules();
    void modelChangeClearsTheResult();
    void preprocessingChangeClearsTheResult();
    void docksFollowTheWorkspaceAlone();
    void aFailedMethodSaysWhyNotThatItIsBeingScored();
};

void TestWorkspaceState::settingTheResultNotifiesOnce()
{
    Workspace ws;
    QSignalSpy result(&ws, &Workspace::resultChanged);
    QSignalSpy method(&ws, &Workspace::currentMethodChanged);
    QSignalSpy threshold(&ws, &Workspace::thresholdChanged);
    const RunResultPtr r = makeResult();
    // A handler of resultChanged already sees the method and threshold that go with the result.
    QString methodSeen;
    double thresholdSeen = 0;
    connect(&ws, &Workspace::resultChanged, this, [&]() {
        methodSeen = ws.currentMethod();
        thresholdSeen = ws.threshold();
    });
    ws.setResult(r);
    QCOMPARE(result.count(), 1);
    QCOMPARE(method.count(), 1);
    QCOMPARE(threshold.count(), 1);
    QCOMPARE(ws.result(), r);
    QCOMPARE(ws.currentMethod(), QStringLiteral("energy")); // the first scored method
    // At 95% ID TPR: core's threshold95, and by count the highest threshold keeping 95 of 100.
    const std::vector<double>& id = r->scoresOf("energy", 0);
    QCOMPARE(ws.threshold(), r->metricsOf("energy", "near-ood")->metrics.threshold95);
    QCOMPARE(acceptedAt(id, ws.threshold()), std::size_t(95));
    QVERIFY(acceptedAt(id, std::nextafter(ws.threshold(), 1e9)) < 95);
    QCOMPARE(ws.thresholdAtIdTpr95(QStringLiteral("energy")), ws.threshold());
    QCOMPARE(methodSeen, QStringLiteral("energy"));
    QCOMPARE(thresholdSeen, ws.threshold());
    QCOMPARE(threshold.first().first().toDouble(), ws.threshold());
}

void TestWorkspaceState::rescoreKeepsTheThresholdOrTheIdShare()
{
    Workspace ws;
    ws.setResult(makeResult());
    ws.setThreshold(8.05); // a user's threshold between two ID scores
    const double share = ws.idAcceptance();
    QCOMPARE(share, double(acceptedAt(ws.result()->scoresOf("energy", 0), 8.05)) / 100.0);
    QSignalSpy threshold(&ws, &Workspace::thresholdChanged);
    QSignalSpy result(&ws, &Workspace::resultChanged);

    // Another method rescored, energy's ID scores the same: the threshold stays exactly.
    auto same = makeResult();
    same->scores["msp"][0][3] += 0.5;
    ws.setResult(same);
    QCOMPARE(result.count(), 1);
    QCOMPARE(ws.threshold(), 8.05);
    QCOMPARE(threshold.count(), 0);

    // Energy's scores changed (a parameter): the same share of ID images stays accepted.
    ws.setResult(makeResult(2.0));
    QCOMPARE(result.count(), 2);
    QCOMPARE(threshold.count(), 1);
    QVERIFY(ws.threshold() != 8.05);
    QCOMPARE(double(acceptedAt(ws.result()->scoresOf("energy", 0), ws.threshold())) / 100.0, share);
    QCOMPARE(ws.idAcceptance(), share);
}

void TestWorkspaceState::methodSwitchCarriesTheIdAcceptance()
{
    Workspace ws;
    ws.setResult(makeResult());
    const std::vector<double>& energyId = ws.result()->scoresOf("energy", 0);
    // 30 of the 100 ID images accepted by energy.
    std::vector<double> sorted = energyId;
    std::sort(sorted.begin(), sorted.end());
    ws.setThreshold(sorted[70]);
    QCOMPARE(acceptedAt(energyId, ws.threshold()), std::size_t(30));

    QSignalSpy method(&ws, &Workspace::currentMethodChanged);
    QSignalSpy threshold(&ws, &Workspace::thresholdChanged);
    double thresholdSeen = std::nan("");
    connect(&ws, &Workspace::currentMethodChanged, this, [&]() { thresholdSeen = ws.threshold(); });
    ws.setCurrentMethod(QStringLiteral("msp"));
    QCOMPARE(method.count(), 1);
    QCOMPARE(threshold.count(), 1);
    // msp's threshold accepts the same 30%, and is in msp's units (its scores are below 1).
    const std::vector<double>& mspId = ws.result()->scoresOf("msp", 0);
    QCOMPARE(acceptedAt(mspId, ws.threshold()), std::size_t(30));
    QVERIFY(ws.threshold() < 1.0);
    QCOMPARE(thresholdSeen, ws.threshold()); // consistent when the method's signal arrives

    // A method the result has no scores for keeps the threshold (its view says it is not scored).
    const double kept = ws.threshold();
    ws.setCurrentMethod(QStringLiteral("gradnorm"));
    QCOMPARE(method.count(), 2);
    QCOMPARE(threshold.count(), 1);
    QCOMPARE(ws.threshold(), kept);
    // Setting the current method again is no change.
    ws.setCurrentMethod(QStringLiteral("gradnorm"));
    QCOMPARE(method.count(), 2);
}

void TestWorkspaceState::datasetEditsFollowTheRules()
{
    Workspace ws;
    QSignalSpy datasets(&ws, &Workspace::datasetsChanged);
    QSignalSpy removed(&ws, &Workspace::datasetRemoved);
    QSignalSpy config(&ws, &Workspace::configChanged);
    QVERIFY(!ws.isConfigured());

    DatasetAddition a = ws.addDataset({"", "/data/mnist-test", DatasetRole::Id});
    QVERIFY(a.added);
    QCOMPARE(a.spec.name, std::string("id"));
    QVERIFY(ws.isConfigured());
    QCOMPARE(datasets.count(), 1);
    QCOMPARE(config.count(), 1);

    // OOD sets are named by their folder, and names stay unique within the role.
    a = ws.addDataset({"", "/data/a/cifar10", DatasetRole::Ood});
    QCOMPARE(a.spec.name, std::string("cifar10"));
    a = ws.addDataset({"", "/data/b/cifar10", DatasetRole::Ood});
    QCOMPARE(a.spec.name, std::string("cifar10-2"));
    QCOMPARE(a.index, std::size_t(2));
    QCOMPARE(datasets.count(), 3);

    // The same path in the same role is refused, and nothing is emitted.
    a = ws.addDataset({"again", "/data/a/cifar10", DatasetRole::Ood});
    QVERIFY(!a.added);
    QVERIFY(!a.refusal.empty());
    QVERIFY(!ws.addDataset({"", "", DatasetRole::Ood}).added);
    QCOMPARE(datasets.count(), 3);
    QCOMPARE(ws.config().datasets.size(), std::size_t(3));

    // A second ID set replaces the first.
    a = ws.addDataset({"mine", "/data/other-test", DatasetRole::Id});
    QVERIFY(a.added);
    QCOMPARE(a.replaced, 0);
    QCOMPARE(datasets.count(), 4);
    int ids = 0;
    for (const DatasetSpec& d : ws.config().datasets)
        ids += d.role == DatasetRole::Id;
    QCOMPARE(ids, 1);
    QCOMPARE(ws.config().datasets.back().path, std::string("/data/other-test"));
    QCOMPARE(ws.config().datasets.back().name, std::string("mine")); // the name the user gave it
    QCOMPARE(ws.config().idDataset(), 2);

    // Removing: the index goes with the signal; a wrong index is nothing.
    ws.removeDataset(0);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.first().first().toInt(), 0);
    QCOMPARE(ws.config().datasets.front().name, std::string("cifar10-2"));
    ws.removeDataset(7);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(datasets.count(), 5);

    // Methods and parameters: a signal per real change only.
    QSignalSpy methods(&ws, &Workspace::methodsChanged);
    QSignalSpy params(&ws, &Workspace::paramsChanged);
    ws.setMethods({"energy", "msp"});
    ws.setMethods({"energy", "msp"});
    QCOMPARE(methods.count(), 1);
    ws.setParam(QStringLiteral("energy.T"), 2.0);
    ws.setParam(QStringLiteral("energy.T"), 2.0);
    QCOMPARE(params.count(), 1);
    QCOMPARE(ws.config().params.resolve("energy").get("T"), 2.0);
}

void TestWorkspaceState::modelChangeClearsTheResult()
{
    Workspace ws;
    QSignalSpy model(&ws, &Workspace::modelPathChanged);
    QSignalSpy result(&ws, &Workspace::resultChanged);
    ws.setModelPath(QStringLiteral("/models/a.pt"));
    QCOMPARE(model.count(), 1);
    ws.setResult(makeResult()); // a result of model a
    QCOMPARE(result.count(), 1);
    ws.setModelPath(QStringLiteral("/models/a.pt"));
    QCOMPARE(model.count(), 1); // no change
    QVERIFY(ws.result());

    // Another model: the previous model's scores leave the screen.
    ws.setModelPath(QStringLiteral("/models/b.pt"));
    QCOMPARE(model.count(), 2);
    QCOMPARE(model.last().first().toString(), QStringLiteral("/models/b.pt"));
    QCOMPARE(result.count(), 2);
    QVERIFY(!ws.result());
    QCOMPARE(ws.config().modelPath, std::string("/models/b.pt"));

    // The same holds when a whole analysis replaces the config (a session opened).
    ws.setResult(makeResult());
    RunConfig other;
    other.modelPath = "/models/c.pt";
    ws.setConfig(other);
    QVERIFY(!ws.result());
    RunConfig same;
    same.modelPath = "/models/a.pt";
    ws.setResult(makeResult());
    ws.setConfig(same);
    QVERIFY(ws.result());
}

void TestWorkspaceState::preprocessingChangeClearsTheResult()
{
    Workspace ws;
    ws.setModelPath(QStringLiteral("/models/a.pt"));
    ws.setResult(makeResult());
    QVERIFY(ws.resultMatchesModel());
    QSignalSpy edited(&ws, &Workspace::analysisEdited);
    QSignalSpy preprocess(&ws, &Workspace::preprocessChanged);
    ws.setModified(false);
    PreprocessSpec spec;
    spec.resize = 40;
    ws.setPreprocess(spec);
    QVERIFY(!ws.result()); // features of other preprocessing no longer describe this analysis
    QCOMPARE(edited.count(), 1);
    QCOMPARE(preprocess.count(), 1);
    QVERIFY(ws.isModified());
    ws.setPreprocess(spec); // no change, no signal
    QCOMPARE(edited.count(), 1);
    // A result made with other preprocessing is not this analysis's.
    RunResult stale = *makeResult();
    QVERIFY(!ws.madeWithCurrentModel(stale));
    stale.config.preprocess = spec;
    QVERIFY(ws.madeWithCurrentModel(stale));

    // A model opened with its info starts from its own preprocessing.
    ModelInfo info;
    info.inputHint = {3, 64, 64};
    info.inputSource = ModelInfo::InputSource::Sidecar;
    ws.setModel(QStringLiteral("/models/b.pt"), info);
    QVERIFY(ws.config().preprocess.isUnset());
    QVERIFY(ws.modelInfo());
    const std::optional<ResolvedPreprocess> r = ws.resolvedPreprocess();
    QVERIFY(r);
    QCOMPARE(r->spec.height, 64);
    QCOMPARE(r->size, PreprocessOrigin::ModelInput);
}

void TestWorkspaceState::docksFollowTheWorkspaceAlone()
{
    Workspace ws;
    ScorePlotsPanel plots(&ws);
    MetricsPanel metrics(&ws);
    ThresholdPanel threshold(&ws);
    DatasetsPanel datasets(&ws);
    HistogramView* histogram = plots.histogram();
    QCOMPARE(histogram->graphCount(), 0);
    QCOMPARE(metrics.metricsModel()->rowCount(), 0);
    QVERIFY(threshold.shownRates().empty());

    // The datasets dock lists the Workspace's analysis.
    ws.addDataset({"", "/data/mnist", DatasetRole::Id});
    ws.addDataset({"", "/data/near-ood", DatasetRole::Ood});
    QCOMPARE(datasets.rowCount(), 2);
    QCOMPARE(datasets.text(1, DatasetsPanel::NameColumn), QStringLiteral("near-ood"));

    ws.setMethods({"energy", "msp"});
    const RunResultPtr r = makeResult();
    ws.setResult(r);
    // Histogram: the ID set and both OOD sets of the current method, the line at the threshold.
    QCOMPARE(histogram->graphCount(), 3);
    QVERIFY(histogram->title().startsWith(QStringLiteral("Energy")));
    QCOMPARE(histogram->threshold(), ws.threshold());
    QCOMPARE(plots.roc()->curves().size(), std::size_t(2));
    // Metrics: every row, the current method's first row current.
    QCOMPARE(metrics.metricsModel()->rowCount(), int(r->metrics.size()));
    QCOMPARE(metrics.currentIndex().data(MetricsTableModel::MethodIdRole).toString(), QStringLiteral("energy"));
    // Threshold readouts: core's rates against each OOD set.
    QCOMPARE(threshold.shownRates().size(), std::size_t(2));
    // The datasets dock takes the finished result's summaries.
    QVERIFY(datasets.text(0, DatasetsPanel::StatusColumn).startsWith(QStringLiteral("ready")));

    for (double t : {5.5, 7.0, 9.95}) {
        ws.setThreshold(t);
        QCOMPARE(histogram->threshold(), t);
        for (std::size_t k = 0; k < r->oodIndices.size(); ++k) {
            const OperatingPoint p = operatingPoint(r->scoresOf("energy", 0), r->scoresOf("energy", r->oodIndices[k]), t);
            QCOMPARE(threshold.shownRates()[k].tpr_id, p.tpr_id);
            QCOMPARE(threshold.shownRates()[k].fpr_id, p.fpr_id);
            QCOMPARE(plots.roc()->operatingPoints()[k]->position->coords(), QPointF(p.fpr_id, p.tpr_id));
        }
        QCOMPARE(threshold.shownAccepted(0), acceptedAt(r->scoresOf("energy", 0), t));
    }

    // Another method: every view follows, the table's current row too.
    ws.setCurrentMethod(QStringLiteral("msp"));
    QVERIFY(histogram->title().startsWith(QStringLiteral("MSP")));
    QCOMPARE(histogram->threshold(), ws.threshold());
    QCOMPARE(metrics.currentIndex().data(MetricsTableModel::MethodIdRole).toString(), QStringLiteral("msp"));
    // Picking a row in the table is a method change of the Workspace.
    const QModelIndex energyRow = metrics.model()->index(0, 0);
    QCOMPARE(energyRow.data(MetricsTableModel::MethodIdRole).toString(), QStringLiteral("energy"));
    metrics.setCurrentIndex(energyRow);
    QCOMPARE(ws.currentMethod(), QStringLiteral("energy"));
    QVERIFY(histogram->title().startsWith(QStringLiteral("Energy")));

    // The best AUROC per OOD set is bold (core's bestPerOodSet), one per set here.
    int best = 0;
    for (int row = 0; row < metrics.metricsModel()->rowCount(); ++row)
        best += metrics.metricsModel()->isBest(row, MetricsTableModel::AurocColumn) ? 1 : 0;
    QCOMPARE(best, 2);

    // A cleared result clears every view.
    ws.setResult(nullptr);
    QCOMPARE(histogram->graphCount(), 0);
    QVERIFY(plots.roc()->curves().empty());
    QCOMPARE(metrics.metricsModel()->rowCount(), 0);
    QVERIFY(threshold.shownRates().empty());
}

void TestWorkspaceState::aFailedMethodSaysWhyNotThatItIsBeingScored()
{
    Workspace ws;
    ScorePlotsPanel plots(&ws);
    ThresholdPanel threshold(&ws);
    ws.setMethods({"energy", "msp", "knn"});
    auto r = makeResult();
    r->warnings.push_back({-1, "knn", "knn: not scored: k = 6000 is larger than the fit set's bank of 5000 features"});
    ws.setResult(r);
    ws.setCurrentMethod(QStringLiteral("knn"));
    QCOMPARE(plots.histogram()->message(),
             QStringLiteral("knn: not scored: k = 6000 is larger than the fit set's bank of 5000 features"));
    // No rates of another method's threshold: the panel says there is nothing to threshold.
    QVERIFY2(threshold.ratesText().contains(QStringLiteral("no scores")), qPrintable(threshold.ratesText()));
    QVERIFY(threshold.shownRates().empty());
    // A checked method without scores or a warning is still being scored.
    ws.setMethods({"energy", "msp", "knn", "mahalanobis"});
    ws.setCurrentMethod(QStringLiteral("mahalanobis"));
    QVERIFY2(plots.histogram()->message().endsWith(QStringLiteral("is being scored\u2026")),
             qPrintable(plots.histogram()->message()));
    ws.setCurrentMethod(QStringLiteral("energy"));
    QVERIFY(plots.histogram()->message().isEmpty());
}

QTEST_MAIN(TestWorkspaceState)
#include "test_workspacestate.moc"
