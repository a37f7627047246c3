// SPDX-License-Identifier: GPL-3.0-or-later
// Time-left estimates per stage.
#include "run/EtaEstimator.h"

#include <QtTest>

using namespace oodlens;

class TestEtaEstimator : public QObject {
    Q_OBJECT

private slots:
    void unknownUntilWorkIsSeen();
    void extrapolatesTheStageRate();
    void newStageRestartsTheEstimate();
    void formatsSecondsAndMinutes_data();
    void formatsSecondsAndMinutes();
};

void TestEtaEstimator::unknownUntilWorkIsSeen()
{
    EtaEstimator eta;
    QVERIFY(eta.secondsLeft() < 0);
    eta.update("extracting id", 0, 2000, 0.0);
    QVERIFY(eta.secondsLeft() < 0);
    eta.update("extracting id", 128, 2000, 0.05); // too early to trust
    QVERIFY(eta.secondsLeft() < 0);
}

void TestEtaEstimator::extrapolatesTheStageRate()
{
    EtaEstimator eta;
    eta.update("extracting id", 0, 2000, 10.0);
    eta.update("extracting id", 500, 2000, 11.0); // 500 per second
    QCOMPARE(eta.secondsLeft(), 3.0);
    eta.update("extracting id", 2000, 2000, 14.0);
    QCOMPARE(eta.secondsLeft(), 0.0);
}

void TestEtaEstimator::newStageRestartsTheEstimate()
{
    EtaEstimator eta;
    eta.update("extracting id", 0, 100, 0.0);
    eta.update("extracting id", 50, 100, 1.0);
    QCOMPARE(eta.secondsLeft(), 1.0);
    eta.update("extracting ood", 0, 1000, 1.0);
    QVERIFY(eta.secondsLeft() < 0);
    eta.update("extracting ood", 100, 1000, 2.0);
    QCOMPARE(eta.secondsLeft(), 9.0);
}

void TestEtaEstimator::formatsSecondsAndMinutes_data()
{
    QTest::addColumn<double>("seconds");
    QTest::addColumn<QString>("text");
    QTest::newRow("unknown") << -1.0 << QString();
    QTest::newRow("subsecond") << 0.4 << QStringLiteral("less than a second left");
    QTest::newRow("seconds") << 12.4 << QStringLiteral("about 12 s left");
    QTest::newRow("minutes") << 185.0 << QStringLiteral("about 3 min left");
}

void TestEtaEstimator::formatsSecondsAndMinutes()
{
    QFETCH(double, seconds);
    QFETCH(QString, text);
    QCOMPARE(QString::fromStdString(EtaEstimator::format(seconds)), text);
}

QTEST_APPLESS_MAIN(TestEtaEstimator)
#include "test_etaestimator.moc"
