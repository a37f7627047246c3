// SPDX-License-Identifier: GPL-3.0-or-later
// oodlens-cli end to end on the bundled demo, and its error messages.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {

const QString kDemo = QStringLiteral(OODLENS_SOURCE_DIR "/resources/demo/");

struct Result {
    int exitCode = -1;
    QString out;
    QString err;
};

Result runCli(const QStringList& args)
{
    QProcess p;
    p.start(QStringLiteral(OODLENS_CLI), args);
    p.waitForFinished(300000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

QStringList readLines(const QString& file)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'));
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines;
}

// The last line of stderr that carries the error.
QString errorLine(const Result& r)
{
    const QStringList lines = r.err.trimmed().split(QLatin1Char('\n'));
    for (auto it = lines.rbegin(); it != lines.rend(); ++it)
        if (it->contains(QLatin1String("error")))
            return *it;
    return {};
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
private:
    QTemporaryDir tmp;

private Q_SLOTS:
    void demoWritesScoresAndMetrics()
    {
        const QString out = tmp.filePath(QStringLiteral("demo"));
        const Result r = runCli({QStringLiteral("demo"), QStringLiteral("--out"), out});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        for (const char* m : {"msp ", "energy ", "gradnorm "})
            QVERIFY2(r.out.contains(QLatin1String(m)), qPrintable(r.out));
        QVERIFY(r.out.contains(QLatin1String("fashion-mnist")));

        const QStringList scores = readLines(out + QStringLiteral("/scores.csv"));
        QCOMPARE(scores.size(), 4001);
        QVERIFY(scores[0].startsWith(QLatin1String("dataset,index,path,label,prediction,msp,")));
        QVERIFY(scores[1].startsWith(QLatin1String("id,0,")));
        QVERIFY(scores[1].contains(QLatin1String("mnist-test-2000-images-idx3-ubyte.gz#0,")));
        QVERIFY(scores[2001].startsWith(QLatin1String("fashion-mnist,0,")));
        const int columns = scores[0].count(QLatin1Char(',')) + 1;
        for (const QString& line : scores)
            QCOMPARE(line.count(QLatin1Char(',')) + 1, columns);

        const QStringList metrics = readLines(out + QStringLiteral("/metrics.csv"));
        QCOMPARE(metrics[0], QStringLiteral("method,ood,auroc,fpr95_id,fpr95_ood,aupr_in,aupr_out"));
        QCOMPARE(metrics.size(), 1 + columns - 5); // one row per method, one OOD set
        for (int i = 1; i < metrics.size(); ++i) {
            const QStringList f = metrics[i].split(QLatin1Char(','));
            QCOMPARE(f.size(), 7);
            for (int c = 2; c < 7; ++c) {
                bool ok = false;
                const double v = f[c].toDouble(&ok);
                QVERIFY(ok && v >= 0 && v <= 1);
            }
        }
        // The demo CNN separates MNIST from Fashion-MNIST well with MSP, Energy and GradNorm.
        for (const QString& line : metrics)
            if (line.startsWith(QLatin1String("msp,")) || line.startsWith(QLatin1String("energy,")) ||
                line.startsWith(QLatin1String("gradnorm,")))
                QVERIFY2(line.split(QLatin1Char(','))[2].toDouble() > 0.9, qPrintable(line));
    }

    void scoreWithNamedOodSets()
    {
        const QString out = tmp.filePath(QStringLiteral("score"));
        const Result r = runCli({QStringLiteral("score"), QStringLiteral("--model"), kDemo + QStringLiteral("mnist_cnn.pt"),
                                 QStringLiteral("--id"), kDemo + QStringLiteral("mnist-test-2000-images-idx3-ubyte.gz"),
                                 QStringLiteral("--ood"), QStringLiteral("fmnist=") + kDemo + QStringLiteral("fashion-mnist-2000-images-idx3-ubyte.gz"),
                                 QStringLiteral("--ood"), kDemo + QStringLiteral("mnist-train-5000-images-idx3-ubyte.gz"),
                                 QStringLiteral("--methods"), QStringLiteral("msp,energy,gradnorm"), QStringLiteral("--batch"),
                                 QStringLiteral("64"), QStringLiteral("--out"), out});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QStringList metrics = readLines(out + QStringLiteral("/metrics.csv"));
        QCOMPARE(metrics.size(), 1 + 3 * 2);
        QVERIFY(metrics[1].startsWith(QLatin1String("msp,fmnist,")));
        QVERIFY(metrics[2].startsWith(QLatin1String("msp,mnist-train-5000,")));
        // MNIST train vs MNIST test is no OOD problem at all: AUROC near chance.
        QVERIFY(std::abs(metrics[2].split(QLatin1Char(','))[2].toDouble() - 0.5) < 0.1);
        const QStringList scores = readLines(out + QStringLiteral("/scores.csv"));
        QCOMPARE(scores.size(), 1 + 2000 + 2000 + 5000);
        QCOMPARE(scores[0], QStringLiteral("dataset,index,path,label,prediction,msp,energy,gradnorm"));
    }

    void missingModelIsNamed()
    {
        const Result r = runCli({QStringLiteral("score"), QStringLiteral("--model"), QStringLiteral("/nonexistent/m.pt"),
                                 QStringLiteral("--id"), kDemo + QStringLiteral("mnist-test-2000-images-idx3-ubyte.gz"),
                                 QStringLiteral("--out"), tmp.filePath(QStringLiteral("x"))});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(errorLine(r).contains(QLatin1String("/nonexistent/m.pt")), qPrintable(r.err));
    }

    void modelThatIsNotTorchScriptIsNamed()
    {
        const QString fake = tmp.filePath(QStringLiteral("fake.pt"));
        QFile f(fake);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("this is not a model");
        f.close();
        const Result r = runCli({QStringLiteral("info"), QStringLiteral("--model"), fake});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(errorLine(r).contains(fake) && errorLine(r).contains(QLatin1String("TorchScript")), qPrintable(r.err));
    }

    void malformedOodSetIsNamedAndOthersStillScored()
    {
        const QString bad = tmp.filePath(QStringLiteral("bad-images-idx3-ubyte"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromHex("00000803000003e80000001c0000001c") + QByteArray(100, '\0')); // claims 1000 images
        f.close();
        const QString out = tmp.filePath(QStringLiteral("partial"));
        const Result r = runCli({QStringLiteral("score"), QStringLiteral("--model"), kDemo + QStringLiteral("mnist_cnn.pt"),
                                 QStringLiteral("--id"), kDemo + QStringLiteral("mnist-test-2000-images-idx3-ubyte.gz"),
                                 QStringLiteral("--ood"), kDemo + QStringLiteral("fashion-mnist-2000-images-idx3-ubyte.gz"),
                                 QStringLiteral("--ood"), bad, QStringLiteral("--methods"), QStringLiteral("msp"),
                                 QStringLiteral("--out"), out});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(errorLine(r).contains(bad) && errorLine(r).contains(QLatin1String("header claims 1000 images")),
                 qPrintable(r.err));
        QCOMPARE(readLines(out + QStringLiteral("/metrics.csv")).size(), 2); // the valid OOD set is kept
    }

    void unknownMethodAndOptionAreRefused()
    {
        Result r = runCli({QStringLiteral("demo"), QStringLiteral("--methods"), QStringLiteral("msp,nosuch")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(errorLine(r).contains(QLatin1String("nosuch")));
        r = runCli({QStringLiteral("demo"), QStringLiteral("--bogus")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(errorLine(r).contains(QLatin1String("--bogus")));
        r = runCli({QStringLiteral("frobnicate")});
        QCOMPARE(r.exitCode, 2);
    }

    void infoDescribesTheDemoModel()
    {
        const Result r = runCli({QStringLiteral("info"), QStringLiteral("--model"), kDemo + QStringLiteral("mnist_cnn.pt")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.out.contains(QLatin1String("classes:        10")));
        QVERIFY(r.out.contains(QLatin1String("feature dim:    128")));
        QVERIFY(r.out.contains(QLatin1String("head:           fc")));
        QVERIFY(r.out.contains(QLatin1String("forward_features")));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
