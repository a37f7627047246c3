// SPDX-License-Identifier: GPL-3.0-or-later
// Metrics in percent, FPR conventions named in the header tooltips, reversed AUROC flagged.
#include "plots/MetricsTableModel.h"

#include <QAbstractItemModelTester>
#include <QColor>
#include <QFont>
#include <QtTest>

using namespace oodlens;
using namespace oodlens::ui;

namespace {

MetricsRow makeRow(const std::string& method, double auroc)
{
    MetricsRow row;
    row.method = method;
    row.ood = "fashion-mnist";
    row.metrics.auroc = auroc;
    row.metrics.fpr95_id = 0.106;
    row.metrics.fpr95_ood = 0.08;
    row.metrics.aupr_in = 0.98391;
    row.metrics.aupr_out = 0.97234;
    row.metrics.n_id = 2000;
    row.metrics.n_ood = 1998;
    row.metrics.nan_ood = 2;
    return row;
}

} // namespace

class TestMetricsTableModel : public QObject {
    Q_OBJECT

private slots:
    void passesTheModelTester();
    void showsMetricsInPercent();
    void flagsAurocBelowHalf_data();
    void flagsAurocBelowHalf();
    void headerTooltipsNameTheFprConvention();
    void sortRoleHoldsNumbers();
    void cellTooltipCountsNanScores();
};

void TestMetricsTableModel::passesTheModelTester()
{
    MetricsTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRows({makeRow("msp", 0.9792), makeRow("exgrad", 0.0305)});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), int(MetricsTableModel::ColumnCount));
}

void TestMetricsTableModel::showsMetricsInPercent()
{
    MetricsTableModel model;
    model.setRows({makeRow("gradnorm", 0.98811)});
    auto text = [&](int column) { return model.index(0, column).data().toString(); };
    QCOMPARE(text(MetricsTableModel::MethodColumn), QStringLiteral("GradNorm"));
    QCOMPARE(text(MetricsTableModel::GroupColumn), QStringLiteral("gradient"));
    QCOMPARE(text(MetricsTableModel::OodColumn), QStringLiteral("fashion-mnist"));
    QCOMPARE(text(MetricsTableModel::AurocColumn), QStringLiteral("98.81"));
    QCOMPARE(text(MetricsTableModel::Fpr95IdColumn), QStringLiteral("10.60"));
    QCOMPARE(text(MetricsTableModel::Fpr95OodColumn), QStringLiteral("8.00"));
    QCOMPARE(text(MetricsTableModel::AuprInColumn), QStringLiteral("98.39"));
    QCOMPARE(text(MetricsTableModel::AuprOutColumn), QStringLiteral("97.23"));
    QCOMPARE(model.index(0, 0).data(MetricsTableModel::MethodIdRole).toString(), QStringLiteral("gradnorm"));
    QVERIFY(model.headerData(MetricsTableModel::AurocColumn, Qt::Horizontal).toString().contains(QLatin1Char('%')));
}

void TestMetricsTableModel::flagsAurocBelowHalf_data()
{
    QTest::addColumn<double>("auroc");
    QTest::addColumn<bool>("flagged");
    QTest::newRow("reversed") << 0.0305 << true;
    QTest::newRow("just below chance") << 0.4999 << true;
    QTest::newRow("chance") << 0.5 << false;
    QTest::newRow("good") << 0.99 << false;
}

void TestMetricsTableModel::flagsAurocBelowHalf()
{
    QFETCH(double, auroc);
    QFETCH(bool, flagged);
    MetricsTableModel model;
    model.setRows({makeRow("exgrad", auroc)});
    const QModelIndex cell = model.index(0, MetricsTableModel::AurocColumn);
    QCOMPARE(cell.data(Qt::BackgroundRole).isValid(), flagged);
    if (flagged) {
        QCOMPARE(cell.data(Qt::BackgroundRole).value<QColor>(), MetricsTableModel::reversedAurocColor());
        QVERIFY(cell.data(Qt::ToolTipRole).toString().contains(QStringLiteral("below 50%")));
    }
    // Flagged by its colour, never by bold: bold means best and nothing else (one row has no best).
    QVERIFY(!cell.data(Qt::FontRole).value<QFont>().bold());
    // Only the AUROC cell is flagged.
    QVERIFY(!model.index(0, MetricsTableModel::Fpr95IdColumn).data(Qt::BackgroundRole).isValid());
}

void TestMetricsTableModel::headerTooltipsNameTheFprConvention()
{
    MetricsTableModel model;
    const QString idPositive =
        model.headerData(MetricsTableModel::Fpr95IdColumn, Qt::Horizontal, Qt::ToolTipRole).toString();
    const QString oodPositive =
        model.headerData(MetricsTableModel::Fpr95OodColumn, Qt::Horizontal, Qt::ToolTipRole).toString();
    QVERIFY(idPositive.contains(QStringLiteral("ID as the positive class")));
    QVERIFY(oodPositive.contains(QStringLiteral("OOD as the positive class")));
    QVERIFY(
        model.headerData(MetricsTableModel::Fpr95IdColumn, Qt::Horizontal).toString().contains(QStringLiteral("ID+")));
    QVERIFY(model.headerData(MetricsTableModel::Fpr95OodColumn, Qt::Horizontal)
                .toString()
                .contains(QStringLiteral("OOD+")));
    for (int c = MetricsTableModel::AurocColumn; c < MetricsTableModel::ColumnCount; ++c)
        QVERIFY(!model.headerData(c, Qt::Horizontal, Qt::ToolTipRole).toString().isEmpty());
}

void TestMetricsTableModel::sortRoleHoldsNumbers()
{
    MetricsTableModel model;
    model.setRows({makeRow("msp", 0.9792)});
    const QVariant v = model.index(0, MetricsTableModel::AurocColumn).data(MetricsTableModel::SortRole);
    QCOMPARE(v.typeId(), QMetaType::Double);
    QCOMPARE(v.toDouble(), 97.92);
}

void TestMetricsTableModel::cellTooltipCountsNanScores()
{
    MetricsTableModel model;
    model.setRows({makeRow("msp", 0.9792)});
    const QString tip = model.index(0, MetricsTableModel::AuprInColumn).data(Qt::ToolTipRole).toString();
    QVERIFY(tip.contains(QStringLiteral("2000 ID")));
    QVERIFY(tip.contains(QStringLiteral("NaN")));
}

QTEST_MAIN(TestMetricsTableModel)
#include "test_metricstablemodel.moc"
