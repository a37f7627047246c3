// SPDX-License-Identifier: GPL-3.0-or-later
// The window remembers its geometry, the method shown and the histogram's count scale.
#include "app/MainWindow.h"
#include "docks/MethodListWidget.h"
#include "workspace/Settings.h"

#include <QAction>
#include <QTemporaryDir>
#include <QtTest>

using namespace oodlens::ui;

class TestSettings : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void valuesRoundTrip();
    void windowRestoresWhatItSaved();
    void screenshotModeLeavesSettingsAlone();

private:
    QTemporaryDir config_;
};

void TestSettings::initTestCase()
{
    // Before the first QSettings: keeps the user's own settings out of reach.
    QVERIFY(config_.isValid());
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(config_.path()));
    QStandardPaths::setTestModeEnabled(true);
    QSettings probe(QStringLiteral("OODLens"), QStringLiteral("oodlens"));
    QVERIFY2(probe.fileName().startsWith(config_.path()) || probe.fileName().contains(QStringLiteral("qttest")),
             qPrintable(probe.fileName()));
}

void TestSettings::valuesRoundTrip()
{
    {
        Settings s;
        s.setCurrentMethod(QStringLiteral("energy"));
        s.setLogHistogramCounts(true);
        s.setWindowGeometry(QByteArray("geometry"));
    }
    const Settings s;
    QCOMPARE(s.currentMethod(), QStringLiteral("energy"));
    QVERIFY(s.logHistogramCounts());
    QCOMPARE(s.windowGeometry(), QByteArray("geometry"));
}

void TestSettings::windowRestoresWhatItSaved()
{
    MainWindowOptions options;
    options.autorun = false;
    {
        MainWindow window(options);
        window.show();
        window.resize(1000, 700);
        QVERIFY(window.setCurrentMethod(QStringLiteral("msp")));
        window.logCountsAction()->setChecked(true);
        window.close(); // closeEvent saves
    }
    MainWindow window(options);
    QCOMPARE(window.currentMethod(), QStringLiteral("msp"));
    QVERIFY(window.logCountsAction()->isChecked());
    QCOMPARE(window.size(), QSize(1000, 700));
}

void TestSettings::screenshotModeLeavesSettingsAlone()
{
    {
        Settings s;
        s.setCurrentMethod(QStringLiteral("gradnorm"));
    }
    MainWindowOptions options;
    options.autorun = false;
    options.persistSettings = false;
    {
        MainWindow window(options);
        QVERIFY(window.setCurrentMethod(QStringLiteral("energy")));
        window.close();
    }
    QCOMPARE(Settings().currentMethod(), QStringLiteral("gradnorm"));
}

QTEST_MAIN(TestSettings)
#include "test_settings.moc"
