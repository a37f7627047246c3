// SPDX-License-Identifier: GPL-3.0-or-later
// The GUI on a model and data of the user's own, offscreen, the way a user meets it: the window
// opens on the demo, then File > Open model takes a 3 x 64 x 64 torchvision-style network (with
// its sidecar, then without one), the datasets are replaced by PNG ImageFolders, and the run's
// results belong to the new model. No fixture dataset is used: the images are written here.
#include "app/MainWindow.h"
#include "app/SessionActions.h"
#include "common/Runtime.h"
#include "docks/ModelPanel.h"
#include "explore/ExplorePanel.h"
#include "explore/InspectorPanel.h"
#include "docks/PreprocessPanel.h"
#include "plots/HistogramView.h"
#include "plots/MetricsTableModel.h"
#include "run/Demo.h"
#include "workspace/AnalysisRunner.h"
#include "workspace/RunController.h"
#include "workspace/Workspace.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace oodlens;
using namespace oodlens::ui;

namespace {

constexpr int kRunTimeoutMs = 120000;

const QString kFixtures = QStringLiteral(OODLENS_SOURCE_DIR "/tests/fixtures/models/");

// An ImageFolder of `perClass` PNGs per class, `size` x `size` RGB: smooth colour fields whose
// hue depends on the class (ID) or noise (OOD), so that the two differ for the model.
void writeImageFolder(const QString& root, const QStringList& classes, int perClass, int size, bool noise, quint32 seed)
{
    QRandomGenerator rng(seed);
    for (int c = 0; c < classes.size(); ++c) {
        QDir().mkpath(root + QLatin1Char('/') + classes[c]);
        for (int i = 0; i < perClass; ++i) {
            QImage image(size, size, QImage::Format_RGB32);
            for (int y = 0; y < size; ++y)
                for (int x = 0; x < size; ++x) {
                    const int r = noise ? int(rng.bounded(256)) : (x * 255 / size + 60 * c) % 256;
                    const int g = noise ? int(rng.bounded(256)) : (y * 255 / size) % 256;
                    const int b = noise ? int(rng.bounded(256)) : (40 * c + 3 * i) % 256;
                    image.setPixel(x, y, qRgb(r, g, b));
                }
            QVERIFY(image.save(QStringLiteral("%1/%2/img%3.png").arg(root, classes[c]).arg(i, 3, 10, QLatin1Char('0'))));
        }
    }
}

MainWindowOptions options()
{
    MainWindowOptions o;
    o.autorun = true; // as the window opens for a user: the demo runs at once
    o.persistSettings = false;
    return o;
}

bool waitIdle(MainWindow& w)
{
    // Runs follow each other (an edit reruns after the current run); idle means nothing queued.
    for (int waited = 0; waited < kRunTimeoutMs; waited += 50) {
        QTest::qWait(50);
        if (!w.isRunning() && !w.runner()->isInspecting()) {
            QTest::qWait(100);
            if (!w.isRunning() && !w.runner()->isInspecting())
                return true;
        }
    }
    return false;
}

QStringList resultNames(const RunResult& r)
{
    QStringList names;
    for (const DatasetSummary& d : r.datasets)
        names << QString::fromStdString(d.name);
    return names;
}

} // namespace

class TestOwnModel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void ownModelWithSidecarEndToEnd();
    void modelWithoutSidecarIsSetInThePreprocessingPanel();
    void unusableModelIsRefusedAndThePreviousOneStays();
    void unsavedChangesAskBeforeClosing();
    void everyEditRerunsOnceTheAnalysisHasRun();

private:
    // Replaces the demo's datasets with the ImageFolders (ID under a name of the user's).
    void useOwnDatasets(MainWindow& w);

    QTemporaryDir dir_;
    QString modelWithSidecar_, modelBare_, idDir_, oodDir_, fitDir_;
};

void TestOwnModel::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(dir_.isValid());
    qputenv("OODLENS_CACHE_DIR", QFile::encodeName(dir_.filePath(QStringLiteral("cache"))));
    initRuntime(0);
    // The model: a torchvision-style ResNet traced at 3 x 64 x 64, with and without its sidecar.
    QDir().mkpath(dir_.filePath(QStringLiteral("with")));
    QDir().mkpath(dir_.filePath(QStringLiteral("bare")));
    modelWithSidecar_ = dir_.filePath(QStringLiteral("with/net.pt"));
    modelBare_ = dir_.filePath(QStringLiteral("bare/net.pt"));
    QVERIFY(QFile::copy(kFixtures + QStringLiteral("rgb64_traced.pt"), modelWithSidecar_));
    QVERIFY(QFile::copy(kFixtures + QStringLiteral("rgb64_traced.pt"), modelBare_));
    QFile sidecar(dir_.filePath(QStringLiteral("with/net.json")));
    QVERIFY(sidecar.open(QIODevice::WriteOnly));
    sidecar.write(R"({"input": [3, 64, 64], "classes": ["apple", "pear", "plum", "fig", "kiwi"],
                      "preprocessing": {"mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}})");
    sidecar.close();
    idDir_ = dir_.filePath(QStringLiteral("photos-id"));
    oodDir_ = dir_.filePath(QStringLiteral("photos-ood"));
    fitDir_ = dir_.filePath(QStringLiteral("photos-fit"));
    writeImageFolder(idDir_, {QStringLiteral("apple"), QStringLiteral("pear")}, 12, 64, false, 1);
    writeImageFolder(oodDir_, {QStringLiteral("noise")}, 16, 64, true, 2);
    writeImageFolder(fitDir_, {QStringLiteral("apple"), QStringLiteral("pear")}, 10, 64, false, 3);
}

void TestOwnModel::useOwnDatasets(MainWindow& w)
{
    Workspace* ws = w.workspace();
    // Remove the demo's OOD sets, then set ours; the ID set replaces the demo's.
    for (int i = int(ws->config().datasets.size()) - 1; i >= 0; --i)
        if (ws->config().datasets[std::size_t(i)].role != DatasetRole::Id)
            ws->removeDataset(i);
    QVERIFY(w.sessionActions()->addDataset({"my photos", idDir_.toStdString(), DatasetRole::Id}));
    QVERIFY(w.sessionActions()->addDataset({"", oodDir_.toStdString(), DatasetRole::Ood}));
    QVERIFY(w.sessionActions()->addDataset({"", fitDir_.toStdString(), DatasetRole::Fit}));
}

void TestOwnModel::ownModelWithSidecarEndToEnd()
{
    MainWindow w(options());
    w.show();
    QVERIFY(waitIdle(w));
    QVERIFY(w.result()); // the demo ran
    QCOMPARE(w.config().preprocess.presetName, std::string("mnist"));

    QSignalSpy opened(w.runController(), &RunController::modelOpened);
    w.sessionActions()->setModelPath(modelWithSidecar_);
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kRunTimeoutMs);
    // The Model dock says what `oodlens-cli info` says; the demo's result is gone at once, and the
    // new model starts from its own sidecar, not the demo's MNIST preprocessing.
    QCOMPARE(w.modelPanel()->field(QStringLiteral("Classes")), QStringLiteral("5"));
    QVERIFY(w.modelPanel()->field(QStringLiteral("Input")).contains(QStringLiteral("from the sidecar")));
    QVERIFY(w.config().preprocess.isUnset());
    QVERIFY(!w.result() || w.result()->model.path == modelWithSidecar_.toStdString());
    QVERIFY(!w.windowTitle().contains(QStringLiteral("mnist")));
    PreprocessPanel* pre = w.preprocessPanel();
    QCOMPARE(pre->originText(QStringLiteral("size")), QStringLiteral("model"));
    QCOMPARE(pre->originText(QStringLiteral("mean")), QStringLiteral("sidecar"));
    QVERIFY(pre->guessLine()->isHidden());

    useOwnDatasets(w);
    QVERIFY(waitIdle(w));
    const RunResultPtr r = w.result();
    QVERIFY(r);
    QCOMPARE(r->model.path, modelWithSidecar_.toStdString());
    QCOMPARE(resultNames(*r), (QStringList{QStringLiteral("my photos"), QStringLiteral("photos-ood"),
                                           QStringLiteral("photos-fit")}));
    QCOMPARE(r->preprocess.channels, 3);
    QCOMPARE(r->preprocess.height, 64);
    QCOMPARE(r->preprocess.width, 64);
    QCOMPARE(r->preprocess.stddev, (std::vector<float>{0.25f, 0.25f, 0.25f}));
    QCOMPARE(r->datasets[0].rows, std::size_t(24));
    QVERIFY(!r->partial);
    // Plots, table and title show this result only.
    QVERIFY(w.histogramPlot()->graphCount() > 0);
    QVERIFY(w.metricsModel()->rowCount() > 0);
    QVERIFY(w.windowTitle().contains(QStringLiteral("net.pt")));
    QVERIFY(w.windowTitle().contains(QStringLiteral("my photos vs photos-ood")));
    QVERIFY2(w.modelPanel()->field(QStringLiteral("Classes")).contains(QStringLiteral("apple, pear")),
             qPrintable(w.modelPanel()->field(QStringLiteral("Classes"))));
    // Class names from the sidecar, in the inspector: the ID image's true class and the prediction.
    const QStringList names{QStringLiteral("apple"), QStringLiteral("pear"), QStringLiteral("plum"),
                            QStringLiteral("fig"), QStringLiteral("kiwi")};
    const FeatureSet& id = *r->features[std::size_t(r->idIndex)];
    for (int row : {0, 23}) {
        w.workspace()->setCurrentImage({r->idIndex, row});
        const QString header = w.explorePanel()->inspector()->headerText();
        const int label = id.labels[std::size_t(row)], predicted = id.prediction(std::size_t(row));
        QVERIFY2(header.contains(QStringLiteral("true label: <b>%1 \u00b7 %2</b>").arg(label).arg(names[label])),
                 qPrintable(header));
        QVERIFY2(header.contains(QStringLiteral("prediction: <b>%1 \u00b7 %2</b>").arg(predicted).arg(names[predicted])),
                 qPrintable(header));
    }

    // The session keeps the preprocessing: empty, so the sidecar decides again when reopened.
    const QString session = dir_.filePath(QStringLiteral("own.oodlens"));
    QVERIFY(w.sessionActions()->saveSession(session));
    QVERIFY(!w.workspace()->isModified());
    MainWindowOptions o = options();
    o.sessionFile = session;
    MainWindow again(o);
    QVERIFY(waitIdle(again));
    QVERIFY(again.result());
    QCOMPARE(again.result()->preprocess.describe(), r->preprocess.describe());
    QCOMPARE(again.config().preprocess.describe(), w.config().preprocess.describe());
    QCOMPARE(resultNames(*again.result()), resultNames(*r));
}

void TestOwnModel::modelWithoutSidecarIsSetInThePreprocessingPanel()
{
    MainWindow w(options());
    w.show();
    QVERIFY(waitIdle(w));
    QSignalSpy opened(w.runController(), &RunController::modelOpened);
    w.sessionActions()->setModelPath(modelBare_);
    QTRY_COMPARE_WITH_TIMEOUT(opened.count(), 1, kRunTimeoutMs);
    useOwnDatasets(w);
    QVERIFY(waitIdle(w));
    QVERIFY(w.result());
    // Without a sidecar the size (the network takes any: the ID images' 64 x 64) and the
    // normalisation are guesses, and the panel says so in one line.
    PreprocessPanel* pre = w.preprocessPanel();
    QVERIFY(!pre->guessLine()->isHidden());
    QVERIFY2(pre->guessText().contains(QStringLiteral("no normalisation")), qPrintable(pre->guessText()));
    QCOMPARE(pre->originText(QStringLiteral("size")), QStringLiteral("guess"));
    QCOMPARE(w.result()->preprocess.height, 64);
    QVERIFY2(w.statusText().contains(QStringLiteral("guessed")), qPrintable(w.statusText()));

    // The user sets the size and the normalisation in the panel; the old result goes at once.
    const RunResultPtr before = w.result();
    pre->heightSpin()->setValue(64);
    pre->widthSpin()->setValue(64);
    pre->meanEdit()->setText(QStringLiteral("0.5"));
    pre->stdEdit()->setText(QStringLiteral("0.25"));
    QVERIFY(pre->applyButton()->isEnabled());
    QVERIFY(pre->apply());
    QVERIFY(w.result() != before);
    QVERIFY(!w.result() || w.workspace()->resultMatchesModel());
    QVERIFY(waitIdle(w));
    const RunResultPtr r = w.result();
    QVERIFY(r);
    QCOMPARE(r->config.preprocess.stddev, std::vector<float>{0.25f});
    QCOMPARE(r->preprocess.height, 64);
    QCOMPARE(pre->originText(QStringLiteral("std")), QStringLiteral("set here"));
    QCOMPARE(pre->originText(QStringLiteral("size")), QStringLiteral("set here"));
    QVERIFY(pre->guessLine()->isHidden());
    QVERIFY2(!w.statusText().contains(QStringLiteral("guessed")), qPrintable(w.statusText()));
    // Features depend on the preprocessing: the scores differ from the guessed run's.
    QVERIFY(r->scoresOf("msp", 0) != before->scoresOf("msp", 0));

    // A bad value is refused beside the editors, naming it; nothing changes.
    pre->stdEdit()->setText(QStringLiteral("0"));
    QVERIFY(!pre->apply());
    QVERIFY(pre->findChild<QLabel*>(QStringLiteral("preprocessError"))->text().contains(QStringLiteral("std")));
    QCOMPARE(w.config().preprocess.stddev, std::vector<float>{0.25f});
}

void TestOwnModel::unusableModelIsRefusedAndThePreviousOneStays()
{
    MainWindow w(options());
    w.show();
    QVERIFY(waitIdle(w));
    const std::string previous = w.config().modelPath;
    const RunResultPtr result = w.result();
    QVERIFY(result);
    QSignalSpy refused(w.runController(), &RunController::modelRefused);
    w.sessionActions()->setModelPath(kFixtures + QStringLiteral("not_classifier_traced.pt"));
    QTRY_COMPARE_WITH_TIMEOUT(refused.count(), 1, kRunTimeoutMs);
    QCOMPARE(w.config().modelPath, previous);
    QCOMPARE(w.result(), result);
    // The reason is in a details view, not only in the status bar.
    auto* box = w.findChild<QMessageBox*>(QStringLiteral("errorDetails"));
    QVERIFY(box);
    QVERIFY(box->detailedText().contains(QStringLiteral("not_classifier_traced.pt")));
    box->close();
}

void TestOwnModel::unsavedChangesAskBeforeClosing()
{
    MainWindowOptions o = options();
    o.autorun = false;
    MainWindow w(o);
    w.show();
    int asked = 0;
    int answer = QMessageBox::Cancel;
    w.sessionActions()->askToSave = [&]() {
        ++asked;
        return answer;
    };
    QVERIFY(w.close()); // nothing edited: no question
    QCOMPARE(asked, 0);
    w.show();
    w.workspace()->setParam(QStringLiteral("energy.T"), 2.0);
    QVERIFY(w.workspace()->isModified());
    QVERIFY(w.isWindowModified());
    QVERIFY(!w.close()); // Cancel keeps the window
    QCOMPARE(asked, 1);
    QVERIFY(w.isVisible());
    answer = QMessageBox::Discard;
    QVERIFY(w.close());
    QCOMPARE(asked, 2);
}

void TestOwnModel::everyEditRerunsOnceTheAnalysisHasRun()
{
    MainWindowOptions o = options();
    o.autorun = false;
    MainWindow w(o);
    w.show();
    QSignalSpy started(&w, &MainWindow::runStarted);
    // Before the first run, edits only edit.
    w.workspace()->setParam(QStringLiteral("energy.T"), 2.0);
    QVERIFY(w.sessionActions()->addDataset({"", oodDir_.toStdString(), DatasetRole::Ood}));
    QTest::qWait(200);
    QCOMPARE(started.count(), 0);
    QVERIFY(w.startRun());
    QVERIFY(waitIdle(w));
    QCOMPARE(started.count(), 1);
    // After it, each kind of edit reruns: a parameter, a dataset removed, a dataset added, the methods.
    w.workspace()->setParam(QStringLiteral("energy.T"), 3.0);
    QVERIFY(waitIdle(w));
    QCOMPARE(started.count(), 2);
    w.workspace()->removeDataset(int(w.config().datasets.size()) - 1);
    QVERIFY(waitIdle(w));
    QCOMPARE(started.count(), 3);
    QVERIFY(w.sessionActions()->addDataset({"", oodDir_.toStdString(), DatasetRole::Ood}));
    QVERIFY(waitIdle(w));
    QCOMPARE(started.count(), 4);
    w.workspace()->setMethods({"msp", "energy"});
    QVERIFY(waitIdle(w));
    QCOMPARE(started.count(), 5);
    // With Re-run on every change off, none does.
    w.autoRunAction()->setChecked(false);
    w.workspace()->setParam(QStringLiteral("energy.T"), 4.0);
    QTest::qWait(200);
    QCOMPARE(started.count(), 5);
}

QTEST_MAIN(TestOwnModel)
#include "test_ownmodel.moc"
