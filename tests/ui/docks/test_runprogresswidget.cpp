// SPDX-License-Identifier: GPL-3.0-or-later
// The status bar's progress: counts, per-mille bar, time left, busy state, Cancel button.
#include "docks/RunProgressWidget.h"

#include <QAction>
#include <QToolButton>
#include <QtTest>

using namespace oodlens::ui;

class TestRunProgressWidget : public QObject {
    Q_OBJECT

private slots:
    void showsCountsAndTimeLeft();
    void zeroTotalMeansBusy();
    void cancelButtonTriggersTheAction();
};

void TestRunProgressWidget::showsCountsAndTimeLeft()
{
    QAction cancel(QStringLiteral("Cancel"));
    RunProgressWidget w(&cancel);
    w.show();
    w.begin();
    QVERIFY(w.isVisible());
    w.setProgress(QStringLiteral("extracting fashion-mnist"), 0, 2000);
    QTest::qWait(400);
    w.setProgress(QStringLiteral("extracting fashion-mnist"), 500, 2000);
    QVERIFY2(w.text().startsWith(QStringLiteral("extracting fashion-mnist: 500 / 2000")), qPrintable(w.text()));
    QVERIFY2(w.text().contains(QStringLiteral(" left")), qPrintable(w.text()));
    QCOMPARE(w.value(), 250);
    QCOMPARE(w.maximum(), 1000);
    w.end();
    QVERIFY(!w.isVisible());
}

void TestRunProgressWidget::zeroTotalMeansBusy()
{
    QAction cancel(QStringLiteral("Cancel"));
    RunProgressWidget w(&cancel);
    w.show();
    w.begin();
    w.setProgress(QStringLiteral("loading the model"), 0, 0);
    QCOMPARE(w.maximum(), 0);
    QVERIFY(w.text().startsWith(QStringLiteral("loading the model")));
}

void TestRunProgressWidget::cancelButtonTriggersTheAction()
{
    QAction cancel(QStringLiteral("Cancel"));
    QSignalSpy triggered(&cancel, &QAction::triggered);
    RunProgressWidget w(&cancel);
    w.show();
    w.begin();
    auto* button = w.findChild<QToolButton*>();
    QVERIFY(button);
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(triggered.count(), 1);
}

QTEST_MAIN(TestRunProgressWidget)
#include "test_runprogresswidget.moc"
