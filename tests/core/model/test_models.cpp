// SPDX-License-Identifier: GPL-3.0-or-later
// Models without wrappers: every fixture written by tools/make_model_fixtures.py, traced and scripted,
// must load with the right head and reproduce the eager-PyTorch logits, features and scores; the
// fixtures that are not usable classifiers must be refused with a message that names the file.
#include "model/Classifier.h"
#include "common/Error.h"
#include "features/FeatureSet.h"
#include "common/Runtime.h"
#include "methods/Scores.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace oodlens;

namespace {

const QString kRoot = QStringLiteral(OODLENS_SOURCE_DIR "/");
const QString kExpected = kRoot + QStringLiteral("tests/fixtures/models/expected/");

// Listed here rather than discovered, so that a fixture that goes missing fails instead of shrinking the test.
const char* const kClassifiers[] = {"resnet_fc",    "densenet",   "mobilenetv3", "vgg_style",   "timm_style",
                                    "tuple_output", "addmm_head", "matmul_head", "nobias_head", "mnist_cnn_demo"};
// torch.jit.freeze'd variants (weights become graph constants, BatchNorm is folded into the convolutions).
const char* const kFrozen[] = {"resnet_fc", "timm_style"};
const char* const kRefused[] = {"not_classifier", "temperature", "conv_head"};
const char* const kVariants[] = {"traced", "scripted"};
const char* const kScores[] = {"msp", "maxlogit", "energy", "gradnorm", "exgrad", "feature_l1"};

constexpr double kTolerance = 1e-4;

QJsonObject readExpected(const QString& name, QString& problem)
{
    QFile file(kExpected + name + QStringLiteral(".json"));
    if (!file.open(QIODevice::ReadOnly)) {
        problem = QStringLiteral("cannot read ") + file.fileName();
        return {};
    }
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    if (!doc.isObject())
        problem = file.fileName() + QStringLiteral(": ") + error.errorString();
    return doc.object();
}

// Row-major values of a JSON array of rows (or of numbers).
std::vector<double> values(const QJsonValue& v)
{
    std::vector<double> out;
    for (const QJsonValue& item : v.toArray()) {
        if (item.isArray())
            for (const QJsonValue& x : item.toArray())
                out.push_back(x.toDouble());
        else
            out.push_back(item.toDouble());
    }
    return out;
}

template <typename T> std::vector<double> asDouble(const std::vector<T>& v)
{
    return std::vector<double>(v.begin(), v.end());
}

// max_i |ours_i - ref_i| / max(|ref_i|, 1e-2 * max_j |ref_j|): relative, with a floor so that entries near
// zero (a feature after ReLU, a logit that happens to be tiny) do not ask for more than float32 holds.
double worstRelative(const std::vector<double>& ours, const std::vector<double>& ref)
{
    if (ours.size() != ref.size())
        return INFINITY;
    double scale = 0;
    for (double r : ref)
        scale = std::max(scale, std::abs(r));
    double worst = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) {
        const double err = std::abs(ours[i] - ref[i]) / std::max({std::abs(ref[i]), 1e-2 * scale, 1e-30});
        worst = std::max(worst, std::isfinite(err) ? err : INFINITY);
    }
    return worst;
}

bool spread(const std::vector<double>& v)
{
    return !v.empty() && *std::max_element(v.begin(), v.end()) > *std::min_element(v.begin(), v.end());
}

} // namespace

class TestModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { initRuntime(1); }

    void classifierLoadsAndReproducesEagerPyTorch_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("variant");
        for (const char* name : kClassifiers)
            for (const char* variant : kVariants) {
                if (std::strcmp(name, "mnist_cnn_demo") == 0 && std::strcmp(variant, "traced") == 0)
                    continue; // the bundled demo exists scripted only
                QTest::newRow((QByteArray(name) + " " + variant).constData())
                    << QString::fromLatin1(name) << QString::fromLatin1(variant);
            }
        for (const char* name : kFrozen)
            QTest::newRow((QByteArray(name) + " frozen").constData())
                << QString::fromLatin1(name) << QStringLiteral("frozen");
    }
    void classifierLoadsAndReproducesEagerPyTorch()
    {
        QFETCH(QString, name);
        QFETCH(QString, variant);
        QString problem;
        const QJsonObject ref = readExpected(name, problem);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        const QString rel = ref.value(QLatin1String("variants")).toObject().value(variant).toString();
        QVERIFY2(!rel.isEmpty(), qPrintable(name + QStringLiteral(": no ") + variant + QStringLiteral(" variant")));
        const std::string path = (kRoot + rel).toStdString();

        std::unique_ptr<Classifier> model;
        try {
            model = Classifier::load(path);
        } catch (const Error& e) {
            QFAIL(e.what());
        }
        const ModelInfo& info = model->info();
        const int classes = ref.value(QLatin1String("classes")).toInt();
        const int dim = ref.value(QLatin1String("feature_dim")).toInt();
        QCOMPARE(info.classes, classes);
        QCOMPARE(info.featureDim, dim);
        // A saved frozen module keeps no attribute names: its head has no name to report.
        const bool frozen = variant == QLatin1String("frozen");
        QCOMPARE(QString::fromStdString(info.headName),
                 frozen ? QStringLiteral("(frozen constant)") : ref.value(QLatin1String("head")).toString());
        std::vector<int> hint;
        for (const QJsonValue& v : ref.value(QLatin1String("input_hint")).toArray())
            hint.push_back(v.toInt());
        QCOMPARE(info.inputHint, hint);
        const QString source = QString::fromStdString(info.featureSource);
        if (name == QLatin1String("tuple_output"))
            QVERIFY2(source.contains(QLatin1String("(logits, features)")), qPrintable(source));
        else if (frozen)
            QVERIFY2(source.contains(QLatin1String("last linear op")) &&
                         source.contains(QLatin1String("frozen constant")),
                     qPrintable(source));
        else
            QVERIFY2(source.contains(QLatin1String("last linear op")) &&
                         source.contains(QString::fromStdString(info.headName)),
                     qPrintable(source));
        QVERIFY2(info.headCheckMaxError < 1e-4, qPrintable(QString::number(info.headCheckMaxError)));
        QCOMPARE(model->head().classes, classes);
        QCOMPARE(model->head().dim, dim);
        QCOMPARE(model->head().weight.size(), std::size_t(classes) * dim);
        QCOMPARE(model->head().bias.size(), std::size_t(classes));

        // The saved input batch.
        const QJsonObject input = ref.value(QLatin1String("input")).toObject();
        std::vector<int> shape;
        for (const QJsonValue& v : input.value(QLatin1String("shape")).toArray())
            shape.push_back(v.toInt());
        QCOMPARE(shape.size(), std::size_t(4));
        QFile bin(kExpected + input.value(QLatin1String("file")).toString());
        QVERIFY2(bin.open(QIODevice::ReadOnly), qPrintable(bin.fileName()));
        const QByteArray bytes = bin.readAll();
        const std::size_t count = std::size_t(shape[0]) * shape[1] * shape[2] * shape[3];
        QCOMPARE(std::size_t(bytes.size()), count * sizeof(float));
        std::vector<float> x(count);
        std::memcpy(x.data(), bytes.constData(), bytes.size()); // little-endian float32, as on every supported host

        const std::vector<double> refLogits = values(ref.value(QLatin1String("logits")));
        const std::vector<double> refFeatures = values(ref.value(QLatin1String("features")));
        QCOMPARE(refLogits.size(), std::size_t(shape[0]) * classes);
        QCOMPARE(refFeatures.size(), std::size_t(shape[0]) * dim);
        QVERIFY(spread(refLogits) && spread(refFeatures));

        // Several passes: the graph executor profiles the first runs and optimises later ones.
        FeatureSet set;
        for (int pass = 0; pass < 3; ++pass) {
            std::vector<float> logits, features;
            model->forward(x.data(), shape[0], shape[1], shape[2], shape[3], logits, features);
            const double errLogits = worstRelative(asDouble(logits), refLogits);
            const double errFeatures = worstRelative(asDouble(features), refFeatures);
            QVERIFY2(errLogits < kTolerance,
                     qPrintable(QStringLiteral("pass %1: logits off by %2 (relative)").arg(pass).arg(errLogits)));
            QVERIFY2(errFeatures < kTolerance,
                     qPrintable(QStringLiteral("pass %1: features off by %2 (relative)").arg(pass).arg(errFeatures)));
            set.logits = std::move(logits);
            set.features = std::move(features);
        }
        set.rows = std::size_t(shape[0]);
        set.dim = dim;
        set.classes = classes;
        set.labels.assign(set.rows, -1);
        for (std::size_t i = 0; i < set.rows; ++i) {
            set.index.push_back(i);
            set.paths.push_back(name.toStdString() + "#" + std::to_string(i));
        }

        // Scores from the engine's outputs and head against the eager float64 references.
        ScoreParams params;
        params.set("T", ref.value(QLatin1String("temperature")).toDouble(1.0));
        const QJsonObject scores = ref.value(QLatin1String("scores")).toObject();
        for (const char* method : kScores) {
            const std::vector<double> expected = values(scores.value(QLatin1String(method)));
            QCOMPARE(expected.size(), set.rows);
            std::vector<std::string> ids{method};
            if (std::strcmp(method, "gradnorm") == 0 || std::strcmp(method, "exgrad") == 0)
                ids.push_back(std::string(method) + "_autograd");
            for (const std::string& id : ids) {
                const double err = worstRelative(computeScores(id, set, model->head(), params), expected);
                QVERIFY2(
                    err < kTolerance,
                    qPrintable(QStringLiteral("%1 off by %2 (relative)").arg(QString::fromStdString(id)).arg(err)));
            }
        }
    }

    void unusableModelsAreRefused_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("variant");
        for (const char* name : kRefused)
            for (const char* variant : kVariants)
                QTest::newRow((QByteArray(name) + " " + variant).constData())
                    << QString::fromLatin1(name) << QString::fromLatin1(variant);
    }
    void unusableModelsAreRefused()
    {
        QFETCH(QString, name);
        QFETCH(QString, variant);
        QString problem;
        const QJsonObject ref = readExpected(name, problem);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        const QString reason = ref.value(QLatin1String("refused")).toString();
        QVERIFY(!reason.isEmpty());
        const QString rel = ref.value(QLatin1String("variants")).toObject().value(variant).toString();
        QVERIFY(!rel.isEmpty());
        const std::string path = (kRoot + rel).toStdString();
        QVERIFY2(QFile::exists(QString::fromStdString(path)), path.c_str());
        try {
            Classifier::load(path);
            QFAIL(qPrintable(QStringLiteral("accepted ") + rel));
        } catch (const Error& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains(QString::fromStdString(path)), qPrintable(message));
            QVERIFY2(message.contains(reason), qPrintable(message));
            QVERIFY2(message.contains(QLatin1String("Making any model compatible")), qPrintable(message));
        }
    }

    void notAModelFileIsRefusedByName()
    {
        const std::string path = (kExpected + QStringLiteral("resnet_fc.json")).toStdString();
        try {
            Classifier::load(path);
            QFAIL("accepted a JSON file");
        } catch (const Error& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QString::fromStdString(path)), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestModels)
#include "test_models.moc"
