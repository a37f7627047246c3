// SPDX-License-Identifier: GPL-3.0-or-later
// Which platform/environment combinations need a display the machine does not have.
#include "app/DisplayCheck.h"

#include <QtTest>

using namespace oodlens::ui;

class TestDisplayCheck : public QObject {
    Q_OBJECT

private slots:
    void reason_data();
    void reason();
    void messageIsOneActionableLine();
};

void TestDisplayCheck::reason_data()
{
    QTest::addColumn<QString>("platform");
    QTest::addColumn<QString>("display"); // "<unset>" for an unset variable
    QTest::addColumn<QString>("waylandDisplay");
    QTest::addColumn<QString>("reason");
    const QString unset = QStringLiteral("<unset>");
    const QString noX = QStringLiteral("DISPLAY is not set");
    QTest::newRow("default, nothing set") << QString() << unset << unset << noX;
    QTest::newRow("default, both empty") << QString() << QString() << QString() << noX;
    QTest::newRow("default, X") << QString() << QStringLiteral(":0") << unset << QString();
    QTest::newRow("default, Wayland") << QString() << unset << QStringLiteral("wayland-0") << QString();
    QTest::newRow("xcb without DISPLAY") << QStringLiteral("xcb") << unset << QStringLiteral("wayland-0") << noX;
    QTest::newRow("xcb with options") << QStringLiteral("xcb:nomitshm") << QStringLiteral(":1") << unset << QString();
    QTest::newRow("wayland without socket")
        << QStringLiteral("wayland") << QStringLiteral(":0") << unset << QStringLiteral("WAYLAND_DISPLAY is not set");
    QTest::newRow("wayland-egl") << QStringLiteral("wayland-egl") << unset << QStringLiteral("w") << QString();
    QTest::newRow("fallback list") << QStringLiteral("wayland;xcb") << QStringLiteral(":0") << unset << QString();
    QTest::newRow("offscreen") << QStringLiteral("offscreen") << unset << unset << QString();
    QTest::newRow("minimal") << QStringLiteral("minimal") << unset << unset << QString();
    QTest::newRow("vnc") << QStringLiteral("vnc:size=800x600") << unset << unset << QString();
}

void TestDisplayCheck::reason()
{
    QFETCH(QString, platform);
    QFETCH(QString, display);
    QFETCH(QString, waylandDisplay);
    QFETCH(QString, reason);
    const QByteArray x = display.toUtf8();
    const QByteArray w = waylandDisplay.toUtf8();
    const char* xp = display == QLatin1String("<unset>") ? nullptr : x.constData();
    const char* wp = waylandDisplay == QLatin1String("<unset>") ? nullptr : w.constData();
    QCOMPARE(QString::fromStdString(missingDisplayReason(platform.toStdString(), xp, wp)), reason);
}

void TestDisplayCheck::messageIsOneActionableLine()
{
    const QString m = QString::fromStdString(noDisplayMessage("DISPLAY is not set"));
    QVERIFY(m.startsWith(QStringLiteral("oodlens: no display found (DISPLAY is not set)")));
    QVERIFY(m.contains(QStringLiteral("xvfb-run -a oodlens")));
    QVERIFY(m.contains(QStringLiteral("oodlens-cli demo")));
    QVERIFY(!m.contains(QLatin1Char('\n')));
}

QTEST_APPLESS_MAIN(TestDisplayCheck)
#include "test_displaycheck.moc"
