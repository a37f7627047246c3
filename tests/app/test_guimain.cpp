// SPDX-License-Identifier: GPL-3.0-or-later
// The oodlens executable as a user meets it: no display, --help/--version, bad options, and a
// full --screenshot run offscreen.
#include <QColor>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QtTest>

class TestGuiMain : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void withoutDisplayExitsWithOneLine_data();
    void withoutDisplayExitsWithOneLine();
    void helpAndVersionNeedNoDisplay();
    void unknownOptionIsRefused();
    void screenshotRunsTheDemoAndWritesPng();
    void modelAndDatasetsFromTheCommandLineAreRun();
    void screenshotOfABadSessionExitsWithItsMessage_data();
    void screenshotOfABadSessionExitsWithItsMessage();

private:
    // Runs oodlens with `env`; returns false when it did not exit within `timeoutMs`.
    bool run(const QStringList& args, const QProcessEnvironment& env, int timeoutMs, int& exitCode, QString& out,
             QString& err);
    QProcessEnvironment cleanEnvironment() const;

    QTemporaryDir home_;
};

void TestGuiMain::initTestCase()
{
    QVERIFY(home_.isValid());
    QVERIFY(QFileInfo::exists(QStringLiteral(OODLENS_GUI)));
}

QProcessEnvironment TestGuiMain::cleanEnvironment() const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
        env.remove(QString::fromLatin1(name));
    // Keep the user's settings out of reach.
    env.insert(QStringLiteral("HOME"), home_.path());
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home_.path());
    env.insert(QStringLiteral("XDG_CACHE_HOME"), home_.filePath(QStringLiteral("cache")));
    env.insert(QStringLiteral("OODLENS_CACHE_DIR"), home_.filePath(QStringLiteral("cache/features")));
    return env;
}

bool TestGuiMain::run(const QStringList& args, const QProcessEnvironment& env, int timeoutMs, int& exitCode,
                      QString& out, QString& err)
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(OODLENS_GUI), args);
    if (!p.waitForStarted(10000))
        return false;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        return false;
    }
    exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    out = QString::fromLocal8Bit(p.readAllStandardOutput());
    err = QString::fromLocal8Bit(p.readAllStandardError());
    return true;
}

void TestGuiMain::withoutDisplayExitsWithOneLine_data()
{
    QTest::addColumn<QString>("platform");
    QTest::addColumn<QString>("display");
    QTest::newRow("nothing set") << QString() << QString();
    QTest::newRow("xcb") << QStringLiteral("xcb") << QString();
    QTest::newRow("empty DISPLAY") << QString() << QStringLiteral("");
    QTest::newRow("wayland") << QStringLiteral("wayland") << QString();
}

void TestGuiMain::withoutDisplayExitsWithOneLine()
{
    QFETCH(QString, platform);
    QFETCH(QString, display);
    QProcessEnvironment env = cleanEnvironment();
    if (!platform.isEmpty())
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), platform);
    if (!display.isNull())
        env.insert(QStringLiteral("DISPLAY"), display);
    int code = 0;
    QString out, err;
    QVERIFY2(run({}, env, 20000, code, out, err), "oodlens hung or crashed without a display");
    QCOMPARE(code, 2);
    QCOMPARE(err.count(QLatin1Char('\n')), 1);
    QVERIFY2(err.startsWith(QStringLiteral("oodlens: no display found (")), qPrintable(err));
    QVERIFY(err.contains(QStringLiteral("xvfb-run -a oodlens")));
    QVERIFY(err.contains(QStringLiteral("oodlens-cli demo")));
}

void TestGuiMain::helpAndVersionNeedNoDisplay()
{
    int code = -1;
    QString out, err;
    QVERIFY(run({QStringLiteral("--help")}, cleanEnvironment(), 20000, code, out, err));
    QCOMPARE(code, 0);
    QVERIFY(out.contains(QStringLiteral("Usage: oodlens")));
    QVERIFY(out.contains(QStringLiteral("--screenshot")));
    QVERIFY(run({QStringLiteral("--version")}, cleanEnvironment(), 20000, code, out, err));
    QCOMPARE(code, 0);
    QVERIFY(out.startsWith(QStringLiteral("oodlens ")));
}

void TestGuiMain::unknownOptionIsRefused()
{
    QProcessEnvironment env = cleanEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    int code = -1;
    QString out, err;
    QVERIFY(run({QStringLiteral("--no-such-option")}, env, 30000, code, out, err));
    QCOMPARE(code, 2);
    QVERIFY(err.contains(QStringLiteral("unknown option '--no-such-option'")));
    QVERIFY(run({QStringLiteral("--methods"), QStringLiteral("msp,nonsense")}, env, 30000, code, out, err));
    QCOMPARE(code, 2);
    QVERIFY(err.contains(QStringLiteral("nonsense")));
}

void TestGuiMain::screenshotRunsTheDemoAndWritesPng()
{
    QProcessEnvironment env = cleanEnvironment();
    env.insert(QStringLiteral("OPENBLAS_NUM_THREADS"), QStringLiteral("1"));
    const QString png = home_.filePath(QStringLiteral("shot.png"));
    int code = -1;
    QString out, err;
    // -platform is Qt's own option: it must get past the display check and the option parser.
    QVERIFY2(run({QStringLiteral("-platform"), QStringLiteral("offscreen"), QStringLiteral("--methods"),
                  QStringLiteral("msp,gradnorm,energy"), QStringLiteral("--screenshot"), png},
                 env, 120000, code, out, err),
             "oodlens --screenshot did not finish");
    QVERIFY2(code == 0, qPrintable(err));
    const QImage image(png);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() >= 800);
    QVERIFY(image.height() >= 500);
}

// `oodlens --model M --id D --ood NAME=D [preprocessing flags]` opens the window on them and runs:
// a user's 3x64x64 model without a sidecar, ImageFolder sets of PNGs. The run extracts both sets
// (two cache entries appear); a missing set fails the run, which --screenshot reports by name.
void TestGuiMain::modelAndDatasetsFromTheCommandLineAreRun()
{
    QDir root(home_.filePath(QStringLiteral("own")));
    QVERIFY(root.mkpath(QStringLiteral(".")));
    const QString model = root.filePath(QStringLiteral("net.pt")); // no net.json beside it
    QVERIFY(QFile::copy(QStringLiteral(OODLENS_SOURCE_DIR "/tests/fixtures/models/rgb64_traced.pt"), model));
    for (const QString& set : {QStringLiteral("id"), QStringLiteral("ood")})
        for (int c = 0; c < 2; ++c) {
            const QString dir = root.filePath(QStringLiteral("%1/class%2").arg(set).arg(c));
            QVERIFY(QDir().mkpath(dir));
            for (int i = 0; i < 4; ++i) {
                QImage img(40 + 8 * i, 48, QImage::Format_RGB32);
                img.fill(set == QLatin1String("id") ? QColor(40 * c + 20 * i, 120, 60) : QColor(250, 10 * i, 200));
                QVERIFY(img.save(QStringLiteral("%1/%2.png").arg(dir).arg(i)));
            }
        }
    QProcessEnvironment env = cleanEnvironment();
    env.insert(QStringLiteral("OPENBLAS_NUM_THREADS"), QStringLiteral("1"));
    const QString cache = home_.filePath(QStringLiteral("own-cache"));
    env.insert(QStringLiteral("OODLENS_CACHE_DIR"), cache);
    const QString png = home_.filePath(QStringLiteral("own.png"));
    const QStringList args{QStringLiteral("-platform"), QStringLiteral("offscreen"),
                           QStringLiteral("--model"), model,
                           QStringLiteral("--id"), QStringLiteral("photos=") + root.filePath(QStringLiteral("id")),
                           QStringLiteral("--methods"), QStringLiteral("msp,energy"),
                           QStringLiteral("--resize"), QStringLiteral("64"), QStringLiteral("--crop"), QStringLiteral("64"),
                           QStringLiteral("--mean"), QStringLiteral("0.5"), QStringLiteral("--std"), QStringLiteral("0.25"),
                           QStringLiteral("--screenshot"), png};
    int code = -1;
    QString out, err;
    QVERIFY2(run(args + QStringList{QStringLiteral("--ood"), QStringLiteral("paint=") + root.filePath(QStringLiteral("ood"))},
                 env, 120000, code, out, err),
             "oodlens did not finish");
    QVERIFY2(code == 0, qPrintable(err));
    QVERIFY(!QImage(png).isNull());
    QCOMPARE(QDir(cache).entryList({QStringLiteral("*.olfc")}, QDir::Files).size(), 2);
    const QString missing = root.filePath(QStringLiteral("no-such-set"));
    QVERIFY(run(args + QStringList{QStringLiteral("--ood"), QStringLiteral("gone=") + missing}, env, 120000, code, out, err));
    QVERIFY2(code != 0, qPrintable(err));
    QVERIFY2(err.contains(missing), qPrintable(err));
}

void TestGuiMain::screenshotOfABadSessionExitsWithItsMessage_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("message");
    const QByteArray demo = QByteArrayLiteral(OODLENS_SOURCE_DIR "/resources/demo/");
    const QByteArray sets = "\"datasets\": [{\"name\": \"id\", \"path\": \"" + demo +
                            "mnist-test-2000-images-idx3-ubyte.gz\", \"role\": \"id\"}, {\"name\": \"f\", \"path\": \"" + demo +
                            "fashion-mnist-2000-images-idx3-ubyte.gz\", \"role\": \"ood\"}]";
    const QByteArray head = "{\"format\": \"oodlens-session\", \"version\": 1, ";
    const QByteArray model = "\"model\": \"" + demo + "mnist_cnn.pt\", ";
    QTest::newRow("empty") << QByteArray() << QStringLiteral("unexpected end");
    QTest::newRow("truncated") << QByteArray(head + "\"mod") << QStringLiteral("cannot parse");
    QTest::newRow("binary") << QByteArray("\x89PNG\r\n\x1a\n\0\0\0", 11) << QStringLiteral("cannot parse");
    QTest::newRow("not an object") << QByteArray("[1, 2, 3]") << QStringLiteral("not an OOD Lens session file");
    QTest::newRow("unknown version") << QByteArray(head).replace("1, ", "9, ") + model + sets + "}"
                                     << QStringLiteral("newer OOD Lens (format version 9)");
    QTest::newRow("unknown method") << QByteArray(head + model + sets + ", \"methods\": [\"nosuch\"]}")
                                    << QStringLiteral("unknown method 'nosuch'");
    QTest::newRow("unknown role") << QByteArray(head + model + sets).replace("\"ood\"", "\"test\"") + "}"
                                  << QStringLiteral("must be id, ood, fit, val_id or val_ood (got 'test')");
    QTest::newRow("missing model") << QByteArray(head + "\"model\": \"/nonexistent/oodlens/m.pt\", " + sets + "}")
                                   << QStringLiteral("its model '/nonexistent/oodlens/m.pt' is missing");
    QTest::newRow("no model") << QByteArray(head + sets + "}") << QStringLiteral("\"model\" is missing");
    QTest::newRow("deeply nested") << QByteArray(100000, '[') << QStringLiteral("nesting too deep");
    QByteArray utf16;
    for (char c : QByteArray(head + model + sets + "}"))
        utf16 += QByteArray(1, c) + QByteArray(1, '\0');
    QTest::newRow("UTF-16") << QByteArray("\xFF\xFE", 2) + utf16 << QStringLiteral("UTF-16");
    QTest::newRow("channels 7") << QByteArray(head + model + sets + ", \"preprocessing\": {\"channels\": 7}}")
                                << QStringLiteral("\"preprocessing.channels\" must be 1 or 3 (got 7)");
}

// A session that cannot be opened left `--screenshot` waiting for a run that never started.
void TestGuiMain::screenshotOfABadSessionExitsWithItsMessage()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, message);
    const QString session = home_.filePath(QStringLiteral("bad.oodlens"));
    QFile file(session);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(content);
    file.close();
    QProcessEnvironment env = cleanEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    int code = -1;
    QString out, err;
    QVERIFY2(run({session, QStringLiteral("--screenshot"), home_.filePath(QStringLiteral("bad.png"))}, env, 60000, code,
                 out, err),
             "oodlens --screenshot hung on a session that cannot be opened");
    QVERIFY2(code != 0, qPrintable(err));
    QVERIFY2(err.contains(QStringLiteral("oodlens: error: ")), qPrintable(err));
    QVERIFY2(err.contains(message), qPrintable(err));
    QVERIFY(err.contains(QStringLiteral("bad.oodlens")));
    QVERIFY(!QFileInfo::exists(home_.filePath(QStringLiteral("bad.png"))));
}

QTEST_GUILESS_MAIN(TestGuiMain)
#include "test_guimain.moc"
