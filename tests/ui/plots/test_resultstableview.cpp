// SPDX-License-Identifier: GPL-3.0-or-later
// The Results table view: it follows the Workspace's result, shows core's table (bold on the best
// cells only, a reversed AUROC grey italic with a dagger and a footnote, the ID accuracy), and its
// export writes core's LaTeX / Markdown / CSV.
#include "io/ResultsTableExport.h"
#include "plots/ResultsTableView.h"
#include "workspace/Workspace.h"

#include <QFile>
#include <QHeaderView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace oodlens;
using namespace oodlens::ui;

namespace {

// ID (labelled, 10 images, 7 predicted right), OOD sets "a" (near) and "b" (far); "msp" beats
// "exgrad" everywhere, and exgrad's AUROC on b is below 50 %.
std::shared_ptr<RunResult> makeResult()
{
    auto r = std::make_shared<RunResult>();
    r->config.datasets = {{"id", "/d/id", DatasetRole::Id, ""},
                          {"a", "/d/a", DatasetRole::Ood, "near"},
                          {"b", "/d/b", DatasetRole::Ood, "far"}};
    for (const DatasetSpec& d : r->config.datasets) {
        DatasetSummary s;
        s.name = d.role == DatasetRole::Id ? "digits" : d.name;
        s.path = d.path;
        s.role = d.role;
        r->datasets.push_back(s);
    }
    r->idIndex = 0;
    r->oodIndices = {1, 2};
    r->methods = {"msp", "exgrad"};
    r->params.parseAssignment("exgrad.flip=1");
    const double values[2][2][2] = {{{0.95, 0.2}, {0.9, 0.3}}, {{0.7, 0.6}, {0.2, 0.9}}};
    for (int m = 0; m < 2; ++m)
        for (int o = 0; o < 2; ++o) {
            MetricsRow row;
            row.method = r->methods[std::size_t(m)];
            row.ood = o == 0 ? "a" : "b";
            row.metrics.auroc = values[m][o][0];
            row.metrics.fpr95_id = values[m][o][1];
            r->metrics.push_back(row);
        }
    auto id = std::make_shared<FeatureSet>();
    id->rows = 10;
    id->classes = 2;
    id->dim = 1;
    for (int i = 0; i < 10; ++i) {
        const int predicted = i % 2;
        id->logits.push_back(predicted == 0 ? 1.f : 0.f);
        id->logits.push_back(predicted == 1 ? 1.f : 0.f);
        id->features.push_back(0);
        id->labels.push_back(i < 7 ? predicted : 1 - predicted); // 7 right, 3 wrong
        id->index.push_back(std::size_t(i));
        id->paths.emplace_back();
    }
    r->features = {id, std::make_shared<FeatureSet>(), std::make_shared<FeatureSet>()};
    return r;
}

QString readAll(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(f.readAll());
}

} // namespace

class TestResultsTableView : public QObject {
    Q_OBJECT

private slots:
    void followsTheWorkspaceResult();
    void boldMarksOnlyTheBestAndReversedIsItalicWithADagger();
    void exportWritesCoresTables();
};

void TestResultsTableView::followsTheWorkspaceResult()
{
    Workspace ws;
    ResultsTableView view(&ws);
    QCOMPARE(view.tableWidget()->rowCount(), 0);
    QVERIFY(!view.exportAction()->isEnabled());
    ws.setResult(makeResult());
    // columns: a, near mean, b, far mean, overall mean; two metrics each, and the method.
    QCOMPARE(view.tableWidget()->rowCount(), 2);
    QCOMPARE(view.tableWidget()->columnCount(), 1 + 5 * 2);
    QCOMPARE(view.tableWidget()->item(0, 0)->text(), QStringLiteral("MSP"));
    QCOMPARE(view.tableWidget()->item(1, 0)->text(), QStringLiteral("ExGrad (flipped)"));
    QVERIFY(view.tableWidget()->horizontalHeaderItem(3)->text().contains(QStringLiteral("near mean")));
    QCOMPARE(view.tableWidget()->item(0, 1)->text(), QStringLiteral("95.00"));
    // Overall mean of exgrad's AUROC: (0.7 + 0.2) / 2.
    QCOMPARE(view.tableWidget()->item(1, 9)->text(), QStringLiteral("45.00\u2020"));
    QVERIFY(view.accuracyText().contains(QStringLiteral("70.00 %")));
    QVERIFY(view.accuracyText().contains(QStringLiteral("7 of 10")));
    QVERIFY(view.exportAction()->isEnabled());
    ws.setResult(nullptr);
    QCOMPARE(view.tableWidget()->rowCount(), 0);
}

void TestResultsTableView::boldMarksOnlyTheBestAndReversedIsItalicWithADagger()
{
    Workspace ws;
    ResultsTableView view(&ws);
    ws.setResult(makeResult());
    const ResultsTable& t = view.table();
    QTableWidget* w = view.tableWidget();
    bool sawReversed = false;
    for (int r = 0; r < w->rowCount(); ++r)
        for (std::size_t c = 0; c < t.columns.size(); ++c)
            for (std::size_t k = 0; k < 2; ++k) {
                QTableWidgetItem* item = w->item(r, int(1 + c * 2 + k));
                QVERIFY(item);
                QCOMPARE(item->font().bold(), t.isBest(std::size_t(r), c, k));
                const bool reversed = k == 0 && t.rows[std::size_t(r)].values[c][k] < 0.5;
                QCOMPARE(item->font().italic(), reversed);
                QCOMPARE(item->text().endsWith(QStringLiteral("\u2020")), reversed);
                if (reversed) {
                    sawReversed = true;
                    QVERIFY(!item->font().bold()); // msp is better everywhere
                    QVERIFY(item->toolTip().contains(QStringLiteral("below 50 %")));
                }
            }
    QVERIFY(sawReversed);
    QVERIFY(view.footnoteShown());
    // msp is best everywhere: its cells are all bold, exgrad's none.
    for (int c = 1; c < w->columnCount(); ++c) {
        QVERIFY(w->item(0, c)->font().bold());
        QVERIFY(!w->item(1, c)->font().bold());
    }
}

void TestResultsTableView::exportWritesCoresTables()
{
    Workspace ws;
    ResultsTableView view(&ws);
    QTemporaryDir dir;
    QString error;
    QVERIFY(!view.exportTo(dir.filePath(QStringLiteral("t.md")), &error)); // nothing to export yet
    QVERIFY(error.contains(QStringLiteral("run the analysis")));
    ws.setResult(makeResult());
    const ResultsTable table = buildResultsTable(*makeResult());
    const std::pair<const char*, std::string> files[] = {{"t.tex", resultsTableLatex(table)},
                                                         {"t.md", resultsTableMarkdown(table)},
                                                         {"t.csv", resultsTableCsv(table)}};
    for (const auto& [name, expected] : files) {
        const QString path = dir.filePath(QString::fromLatin1(name));
        QVERIFY2(view.exportTo(path, &error), qPrintable(error));
        QCOMPARE(readAll(path), QString::fromStdString(expected));
    }
    QVERIFY(!view.exportTo(dir.filePath(QStringLiteral("t.docx")), &error));
    QVERIFY(error.contains(QStringLiteral(".tex, .md or .csv")));
}

QTEST_MAIN(TestResultsTableView)
#include "test_resultstableview.moc"
