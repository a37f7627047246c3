// SPDX-License-Identifier: GPL-3.0-or-later
// File > Export report: the window writes the report of its current result through the same writer
// as `oodlens-cli report` (ui/report/Report.h), into a folder; without a result it says so.
#include "app/ExportActions.h"
#include "app/MainWindow.h"
#include "common/Runtime.h"
#include "factors/FactorsView.h"
#include "io/Export.h"
#include "report/Report.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QMenu>
#include <QMenuBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace oodlens;
using namespace oodlens::ui;

class TestExportReport : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { initRuntime(1); }
    void fileMenuHasExportReport();
    void withoutAResultItSaysSo();
    void writesTheReportOfTheCurrentResult();
};

void TestExportReport::fileMenuHasExportReport()
{
    MainWindowOptions o;
    o.autorun = false;
    o.persistSettings = false;
    MainWindow window(o);
    bool found = false;
    for (QAction* menu : window.menuBar()->actions())
        if (menu->menu())
            for (QAction* a : menu->menu()->actions())
                found = found || a->text().remove(QLatin1Char('&')) == QStringLiteral("Export report\u2026");
    QVERIFY(found);
}

void TestExportReport::withoutAResultItSaysSo()
{
    MainWindowOptions o;
    o.autorun = false;
    o.persistSettings = false;
    MainWindow window(o);
    auto* actions = window.findChild<ExportActions*>();
    QVERIFY(actions);
    QTemporaryDir dir;
    QSignalSpy status(actions, &ExportActions::status);
    QVERIFY(!actions->exportReport(dir.path(), FactorOptions()));
    QCOMPARE(status.count(), 1);
    QVERIFY(status.first().at(1).toBool()); // an error
    QVERIFY(status.first().at(0).toString().contains(QStringLiteral("run the analysis first")));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("report.html"))));
}

void TestExportReport::writesTheReportOfTheCurrentResult()
{
    MainWindowOptions o;
    o.autorun = true;
    o.persistSettings = false;
    o.methods = {"gradnorm", "msp", "energy"};
    MainWindow window(o);
    QSignalSpy finished(&window, &MainWindow::runFinished);
    QSignalSpy failed(&window, &MainWindow::runFailed);
    window.show();
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() + failed.count() > 0, 120000);
    QVERIFY(failed.isEmpty());
    auto* actions = window.findChild<ExportActions*>();
    QVERIFY(actions);
    // The factor options come from the Gradients? view: its split.
    FactorSplit split;
    split.validationFraction = 0.4;
    split.seed = 11;
    window.findChild<FactorsView*>()->setSplit(split);
    QCOMPARE(actions->factorOptions().split.validationFraction, 0.4);
    QCOMPARE(actions->factorOptions().split.seed, std::uint64_t(11));
    QCOMPARE(actions->factorOptions().resamples, FactorOptions().resamples);
    actions->setFactorOptionsSource([] {
        FactorOptions f;
        f.resamples = 50;
        f.split.seed = 3;
        return f;
    });
    QCOMPARE(actions->factorOptions().resamples, 50);

    QTemporaryDir dir;
    QSignalSpy status(actions, &ExportActions::status);
    QVERIFY(actions->exportReport(dir.path(), actions->factorOptions()));
    QVERIFY2(!status.last().at(1).toBool(), qPrintable(status.last().at(0).toString()));
    for (const std::string& name : reportFileNames())
        QVERIFY2(QFileInfo(dir.filePath(QString::fromStdString(name))).size() > 0, name.c_str());
    QFile html(dir.filePath(QStringLiteral("report.html")));
    QVERIFY(html.open(QIODevice::ReadOnly));
    const QByteArray text = html.readAll();
    QVERIFY(text.contains("<table class=\"factors\""));
    QVERIFY(text.contains("split seed 3"));
    QVERIFY(text.contains("50 resamples"));
    QVERIFY(text.contains("data:image/png;base64,"));
    const QStringList figures = QDir(dir.filePath(QStringLiteral("figures"))).entryList({QStringLiteral("*.pdf")});
    QCOMPARE(figures.size(), 5);

    // A file where the folder should be is refused by name.
    const QString file = dir.filePath(QStringLiteral("report.html"));
    QVERIFY(!actions->exportReport(file, actions->factorOptions()));
    QVERIFY(status.last().at(0).toString().contains(file));
}

QTEST_MAIN(TestExportReport)
#include "test_exportreport.moc"
