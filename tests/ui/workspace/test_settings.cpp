// SPDX-License-Identifier: GPL-3.0-or-later
// The window remembers its geometry, the method shown and the histogram's count scale; the figure
// export dialog its last choices.
#include "app/MainWindow.h"
#include "docks/MethodListWidget.h"
#include "plots/FigureExportDialog.h"
#include "workspace/Settings.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QFontComboBox>
#include <QTemporaryDir>
#include <QtTest>

using namespace oodlens;
using namespace oodlens::ui;

class TestSettings : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void valuesRoundTrip();
    void windowRestoresWhatItSaved();
    void screenshotModeLeavesSettingsAlone();
    void figureExportDialogRemembersItsChoices();

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

void TestSettings::figureExportDialogRemembersItsChoices()
{
    const QStringList plots{QStringLiteral("Histogram"), QStringLiteral("ROC"), QStringLiteral("PR"),
                            QStringLiteral("Panels")};
    {
        // A user's choices, made in the dialog.
        FigureExportDialog dialog(plots, 1, nullptr, 3);
        dialog.plotCombo()->setCurrentIndex(3); // panels: the size becomes a row of panels
        QCOMPARE(dialog.preset(), int(FigureExportDialog::PanelRow));
        dialog.legendCombo()->setCurrentIndex(dialog.legendCombo()->findData(int(LegendPlacement::Outside)));
        dialog.fontCombo()->setCurrentFont(QFont(QStringLiteral("DejaVu Serif")));
        dialog.titlesCheck()->setChecked(true);
        Settings::FigureExportChoices c;
        c.plot = dialog.plotIndex();
        c.preset = dialog.preset();
        c.options = dialog.options();
        c.directory = QStringLiteral("/tmp/figures");
        c.suffix = QStringLiteral("svg");
        QCOMPARE(c.options.size.width, 17.5);
        Settings().setFigureExport(c);
    }
    // The next dialog starts from them.
    const Settings::FigureExportChoices c = Settings().figureExport();
    QCOMPARE(c.plot, 3);
    QCOMPARE(c.directory, QStringLiteral("/tmp/figures"));
    QCOMPARE(c.suffix, QStringLiteral("svg"));
    FigureExportDialog dialog(plots, c.plot, nullptr, 3);
    dialog.setChoices(c.preset, c.options);
    const FigureOptions o = dialog.options();
    QCOMPARE(dialog.plotIndex(), 3);
    QCOMPARE(dialog.preset(), int(FigureExportDialog::PanelRow));
    QCOMPARE(o.size.width, 17.5);
    QCOMPARE(o.size.height, 6.0);
    QCOMPARE(o.legend, LegendPlacement::Outside);
    QCOMPARE(o.fontFamily, QFont(QStringLiteral("DejaVu Serif")).family());
    QVERIFY(o.titles);
    QVERIFY(!o.notes);
    QVERIFY(o.squareCurves);
}

QTEST_MAIN(TestSettings)
#include "test_settings.moc"
