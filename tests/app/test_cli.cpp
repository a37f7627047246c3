// SPDX-License-Identifier: GPL-3.0-or-later
// oodlens-cli end to end on the bundled demo, and its error messages.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
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
        QVERIFY(scores[0].startsWith(QLatin1String("dataset,index,path,label,prediction,gradnorm,exgrad,msp,")));
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

    void secondScoreReadsTheFeatureCache()
    {
        const QString cache = tmp.filePath(QStringLiteral("cli-cache"));
        const QStringList base = {QStringLiteral("score"), QStringLiteral("--model"), kDemo + QStringLiteral("mnist_cnn.pt"),
                                  QStringLiteral("--id"), kDemo + QStringLiteral("mnist-test-2000-images-idx3-ubyte.gz"),
                                  QStringLiteral("--ood"), kDemo + QStringLiteral("fashion-mnist-2000-images-idx3-ubyte.gz"),
                                  QStringLiteral("--methods"), QStringLiteral("msp,gradnorm"), QStringLiteral("--out"),
                                  tmp.filePath(QStringLiteral("cached"))};
        const Result first = runCli(base + QStringList{QStringLiteral("--cache-dir"), cache});
        QVERIFY2(first.exitCode == 0, qPrintable(first.err));
        QVERIFY(!first.err.contains(QLatin1String("from the cache")));
        const QStringList firstScores = readLines(tmp.filePath(QStringLiteral("cached/scores.csv")));
        const Result second = runCli(base + QStringList{QStringLiteral("--cache-dir"), cache});
        QVERIFY2(second.exitCode == 0, qPrintable(second.err));
        QCOMPARE(second.err.count(QLatin1String("features from the cache")), 2);
        QCOMPARE(readLines(tmp.filePath(QStringLiteral("cached/scores.csv"))), firstScores);
        const Result bypass = runCli(base + QStringList{QStringLiteral("--cache-dir"), cache, QStringLiteral("--no-cache")});
        QVERIFY(!bypass.err.contains(QLatin1String("from the cache")));
        // run.json records where features came from.
        QFile run(tmp.filePath(QStringLiteral("cached/run.json")));
        QVERIFY(run.open(QIODevice::ReadOnly));
        const QJsonObject doc = QJsonDocument::fromJson(run.readAll()).object();
        QCOMPARE(doc.value(QLatin1String("datasets")).toArray().at(0).toObject().value(QLatin1String("from_cache")).toBool(), false);
    }

    void writesEveryExportFormatAndRunMetadata()
    {
        const QString out = tmp.filePath(QStringLiteral("formats"));
        const Result r = runCli({QStringLiteral("demo"), QStringLiteral("--methods"), QStringLiteral("msp,energy"),
                                 QStringLiteral("--bootstrap"), QStringLiteral("50"), QStringLiteral("--seed"),
                                 QStringLiteral("7"), QStringLiteral("--out"), out});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QFile json(out + QStringLiteral("/metrics.json"));
        QVERIFY(json.open(QIODevice::ReadOnly));
        QJsonParseError err;
        const QJsonDocument metrics = QJsonDocument::fromJson(json.readAll(), &err);
        QVERIFY2(err.error == QJsonParseError::NoError, qPrintable(err.errorString()));
        const QJsonArray rows = metrics.object().value(QLatin1String("rows")).toArray();
        QCOMPARE(rows.size(), 2);
        const QJsonObject row = rows.at(0).toObject();
        const QJsonArray ci = row.value(QLatin1String("ci95")).toObject().value(QLatin1String("auroc")).toArray();
        QCOMPARE(ci.size(), 2);
        const double auroc = row.value(QLatin1String("auroc")).toDouble();
        QVERIFY(ci.at(0).toDouble() <= auroc && auroc <= ci.at(1).toDouble());
        QVERIFY(row.contains(QLatin1String("detection_acc")) && row.contains(QLatin1String("threshold95")));

        const QStringList md = readLines(out + QStringLiteral("/metrics.md"));
        QVERIFY(md[0].contains(QLatin1String("FPR@95 (ID+)")) && md[0].contains(QLatin1String("FPR@95 (OOD+)")));
        QCOMPARE(md[2].count(QLatin1Char('|')), 8);
        const QStringList tex = readLines(out + QStringLiteral("/metrics.tex"));
        QVERIFY(tex.join(QLatin1Char('\n')).contains(QLatin1String("\\begin{tabular}")));
        QVERIFY(tex.join(QLatin1Char('\n')).contains(QLatin1String("\\bottomrule")));

        QFile runFile(out + QStringLiteral("/run.json"));
        QVERIFY(runFile.open(QIODevice::ReadOnly));
        const QJsonObject run = QJsonDocument::fromJson(runFile.readAll()).object();
        QCOMPARE(run.value(QLatin1String("model")).toObject().value(QLatin1String("sha256")).toString().size(), 64);
        const QJsonArray sets = run.value(QLatin1String("datasets")).toArray();
        QCOMPARE(sets.at(0).toObject().value(QLatin1String("kind")).toString(), QStringLiteral("idx"));
        QCOMPARE(sets.at(0).toObject().value(QLatin1String("scored")).toInt(), 2000);
        QVERIFY(run.value(QLatin1String("preprocessing")).toObject().value(QLatin1String("spec")).toString().contains(
            QLatin1String("mean=0.1307")));
        QVERIFY(run.value(QLatin1String("environment")).toObject().value(QLatin1String("libraries")).toString().contains(
            QLatin1String("LibTorch")));
        QCOMPARE(run.value(QLatin1String("methods")).toArray().size(), 2);
        QVERIFY(!run.value(QLatin1String("date")).toString().isEmpty());

        // Same seed, same intervals.
        const QString out2 = tmp.filePath(QStringLiteral("formats2"));
        runCli({QStringLiteral("demo"), QStringLiteral("--methods"), QStringLiteral("msp,energy"), QStringLiteral("--bootstrap"),
                QStringLiteral("50"), QStringLiteral("--seed"), QStringLiteral("7"), QStringLiteral("--out"), out2});
        QCOMPARE(readLines(out2 + QStringLiteral("/metrics.md")), md);
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
