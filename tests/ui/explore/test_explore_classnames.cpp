// SPDX-License-Identifier: GPL-3.0-or-later
// Class names in the exploration views, on a model and data of the test's own making: a traced
// 3x64x64 classifier whose sidecar names its 5 classes, an ImageFolder ID set with one folder per
// class and an ImageFolder OOD set with two folders of its own. The inspector names the true
// label, the prediction and the top-5; the gallery's filters and tiles name classes; an OOD
// image (whose label is its own folder's number) is never "(wrong)" nor "(correct)".
#include "common/Runtime.h"
#include "explore/ExplorePanel.h"
#include "explore/GalleryModel.h"
#include "explore/GalleryView.h"
#include "explore/InspectorFigure.h"
#include "explore/InspectorPanel.h"
#include "explore/SelectionCsv.h"
#include "run/Pipeline.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>

using namespace oodlens;
using namespace oodlens::ui;

namespace {

// "date & fig" checks that names are escaped in the inspector's rich text, "cherry, red" that
// they are quoted in CSV files.
const QStringList kClasses = {QStringLiteral("apple"), QStringLiteral("banana"), QStringLiteral("cherry, red"),
                              QStringLiteral("date & fig"), QStringLiteral("elder")};
const QStringList kOodClasses = {QStringLiteral("noise"), QStringLiteral("stripes")};

bool writeFolder(const QString& root, const QStringList& classes, int perClass, int seed)
{
    for (const QString& c : classes) {
        if (!QDir().mkpath(root + QLatin1Char('/') + c))
            return false;
        for (int k = 0; k < perClass; ++k, ++seed) {
            QImage img(64, 64, QImage::Format_RGB32);
            for (int y = 0; y < 64; ++y)
                for (int x = 0; x < 64; ++x)
                    img.setPixel(x, y, qRgb((seed * 37 + x * 3) & 0xff, (seed * 91 + y * 5) & 0xff, (seed * 53 + x * y) & 0xff));
            if (!img.save(QStringLiteral("%1/%2/img%3.png").arg(root, c).arg(k)))
                return false;
        }
    }
    return true;
}

} // namespace

class TestExploreClassNames : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        initRuntime(0);
        const QString model = dir_.filePath(QStringLiteral("model/model.pt"));
        QVERIFY(QDir().mkpath(dir_.filePath(QStringLiteral("model"))));
        QVERIFY(QFile::copy(QStringLiteral(OODLENS_SOURCE_DIR "/tests/fixtures/models/rgb64_traced.pt"), model));
        QFile sidecar(dir_.filePath(QStringLiteral("model/model.json")));
        QVERIFY(sidecar.open(QIODevice::WriteOnly));
        sidecar.write(R"({"input": [3, 64, 64], "classes": ["apple", "banana", "cherry, red", "date & fig", "elder"]})");
        sidecar.close();
        QVERIFY(writeFolder(dir_.filePath(QStringLiteral("id")), kClasses, 2, 0));
        QVERIFY(writeFolder(dir_.filePath(QStringLiteral("ood")), kOodClasses, 4, 100));

        RunConfig c;
        c.modelPath = model.toStdString();
        c.datasets = {{"id", dir_.filePath(QStringLiteral("id")).toStdString(), DatasetRole::Id},
                      {"shapes", dir_.filePath(QStringLiteral("ood")).toStdString(), DatasetRole::Ood}};
        c.methods = {"msp", "energy"};
        c.cacheDir.clear();
        result_ = runOnce(c);
        QVERIFY(result_);
        QCOMPARE(result_->classNames.size(), std::size_t(5));
        id_ = std::size_t(result_->idIndex);
        ood_ = result_->oodIndices.at(0);
    }

    void init()
    {
        session_ = std::make_unique<Workspace>();
        panel_ = std::make_unique<ExplorePanel>(session_.get());
        panel_->resize(1400, 900);
        session_->setCurrentMethod(QStringLiteral("msp"));
        session_->setResult(result_);
    }

    void cleanup()
    {
        panel_.reset();
        session_.reset();
    }

    void inspectorNamesTheLabelThePredictionAndTheTopFive()
    {
        const FeatureSet& set = *result_->features[id_];
        int wrong = 0;
        for (std::size_t row = 0; row < set.rows; ++row) {
            session_->setCurrentImage({int(id_), int(row)});
            const QString header = panel_->inspector()->headerText();
            const int label = set.labels[row], predicted = set.prediction(row);
            const QString labelName = kClasses[label].toHtmlEscaped(), predictedName = kClasses[predicted].toHtmlEscaped();
            QVERIFY2(header.contains(QStringLiteral("true label: <b>%1 · %2</b>").arg(label).arg(labelName)),
                     qPrintable(header));
            QVERIFY2(header.contains(QStringLiteral("prediction: <b>%1 · %2</b>").arg(predicted).arg(predictedName)),
                     qPrintable(header));
            // Every class of the top-5 (all 5 here) by number and name.
            for (int k = 0; k < 5; ++k)
                QVERIFY2(header.contains(QStringLiteral("class %1 · %2").arg(k).arg(kClasses[k].toHtmlEscaped())),
                         qPrintable(header));
            QCOMPARE(header.contains(QStringLiteral("(wrong)")), label != predicted);
            QCOMPARE(header.contains(QStringLiteral("(correct)")), label == predicted);
            wrong += label != predicted;
        }
        QVERIFY2(wrong > 0, "the fixture should have a wrongly predicted ID image");
    }

    void inspectorFigureNamesTheClassesAsThePanelDoes()
    {
        for (const std::size_t d : {id_, ood_}) {
            const FeatureSet& s = *result_->features[d];
            for (std::size_t row = 0; row < s.rows; ++row) {
                session_->setCurrentImage({int(d), int(row)});
                const InspectorFigureContent c =
                    inspectorFigureContent(*session_, nullptr, panel_->inspector()->scoreTree());
                const int label = s.labels[row], predicted = s.prediction(row);
                QVERIFY2(c.verdict.contains(QStringLiteral("predicted %1 · %2").arg(predicted).arg(kClasses[predicted])),
                         qPrintable(c.verdict));
                if (d == id_) {
                    QVERIFY2(c.verdict.contains(QStringLiteral("true label %1 · %2").arg(label).arg(kClasses[label])),
                             qPrintable(c.verdict));
                    QCOMPARE(c.verdict.contains(QStringLiteral("(wrong)")), label != predicted);
                } else {
                    QVERIFY2(c.verdict.contains(QStringLiteral("label %1 · %2 (not an ID class)").arg(label).arg(kOodClasses[label])),
                             qPrintable(c.verdict));
                    QVERIFY(!c.verdict.contains(QStringLiteral("(wrong)")) && !c.verdict.contains(QStringLiteral("(correct)")));
                }
                QCOMPARE(c.top.size(), 5);
                QVERIFY2(c.top[0].label.contains(QStringLiteral(" · ")), qPrintable(c.top[0].label));
            }
        }
    }

    void oodImagesAreNeverWrong()
    {
        const FeatureSet& set = *result_->features[ood_];
        QCOMPARE(set.rows, std::size_t(8));
        int differing = 0;
        GalleryModel* gallery = panel_->gallery()->model();
        for (std::size_t row = 0; row < set.rows; ++row) {
            const ImageRef ref{int(ood_), int(row)};
            session_->setCurrentImage(ref);
            const QString header = panel_->inspector()->headerText();
            const int label = set.labels[row];
            // The label is its own folder's (0 or 1, numbers the model has too), named as such.
            QVERIFY(label == 0 || label == 1);
            QVERIFY2(header.contains(QStringLiteral("label: <b>%1 · %2</b>").arg(label).arg(kOodClasses[label])),
                     qPrintable(header));
            QVERIFY2(header.contains(QStringLiteral("not an ID class")), qPrintable(header));
            QVERIFY2(!header.contains(QStringLiteral("(wrong)")) && !header.contains(QStringLiteral("(correct)")),
                     qPrintable(header));
            const QModelIndex index = gallery->index(gallery->rowOf(ref));
            QVERIFY(index.isValid());
            QVERIFY(!gallery->data(index, GalleryModel::WrongRole).toBool());
            QVERIFY(!gallery->data(index, Qt::ToolTipRole).toString().contains(QStringLiteral("(wrong)")));
            differing += label != set.prediction(row);
        }
        // Without the ID-class rule some of these would be marked wrong.
        QVERIFY(differing > 0);
    }

    void galleryFiltersAndTilesNameClasses()
    {
        QComboBox* trueBox = nullptr;
        QComboBox* predictedBox = nullptr;
        for (QComboBox* box : panel_->gallery()->findChildren<QComboBox*>()) {
            if (box->count() > 0 && box->itemText(0) == QStringLiteral("true: any class"))
                trueBox = box;
            if (box->count() > 0 && box->itemText(0) == QStringLiteral("pred: any class"))
                predictedBox = box;
        }
        QVERIFY(trueBox && predictedBox);
        QCOMPARE(trueBox->count(), 6);
        QCOMPARE(predictedBox->count(), 6);
        for (int k = 0; k < 5; ++k) {
            QCOMPARE(trueBox->itemText(k + 1), QStringLiteral("true: %1 · %2").arg(k).arg(kClasses[k]));
            QCOMPARE(predictedBox->itemText(k + 1), QStringLiteral("pred: %1 · %2").arg(k).arg(kClasses[k]));
        }
        GalleryModel* gallery = panel_->gallery()->model();
        QCOMPARE(gallery->rowCount(), 18);
        // Tiles name the predicted class; an ID image the model gets wrong is marked.
        for (int row = 0; row < gallery->rowCount(); ++row) {
            const ImageRef ref = gallery->imageAt(row);
            const FeatureSet& set = *result_->features[std::size_t(ref.dataset)];
            const int predicted = set.prediction(std::size_t(ref.row));
            QCOMPARE(gallery->data(gallery->index(row), GalleryModel::CaptionRole).toString(), kClasses[predicted]);
            const bool idWrong = std::size_t(ref.dataset) == id_ && set.labels[std::size_t(ref.row)] != predicted;
            QCOMPARE(gallery->data(gallery->index(row), GalleryModel::WrongRole).toBool(), idWrong);
        }
        // True class 0 ("apple"): the two ID apples, not the OOD "noise" images that are label 0 too.
        trueBox->setCurrentIndex(1);
        QCOMPARE(gallery->rowCount(), 2);
        for (int row = 0; row < gallery->rowCount(); ++row)
            QCOMPARE(std::size_t(gallery->imageAt(row).dataset), id_);
        // The filter survives a new result with the same classes.
        session_->setResult(result_);
        QCOMPARE(trueBox->currentIndex(), 1);
        QCOMPARE(gallery->rowCount(), 2);
        trueBox->setCurrentIndex(0);
        QCOMPARE(gallery->rowCount(), 18);
    }

    void selectionCsvCarriesTheNames()
    {
        const FeatureSet& idSet = *result_->features[id_];
        const FeatureSet& oodSet = *result_->features[ood_];
        const QStringList lines =
            selectionCsv(*result_, {{int(id_), 0}, {int(ood_), 0}}).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 3);
        QVERIFY(lines[0].endsWith(QStringLiteral(",msp,energy,label_name,prediction_name")));
        const auto csv = [](const QString& name) {
            return name.contains(QLatin1Char(',')) ? QLatin1Char('"') + name + QLatin1Char('"') : name;
        };
        QVERIFY2(lines[1].endsWith(QLatin1Char(',') + csv(kClasses[idSet.labels[0]]) + QLatin1Char(',') +
                                   csv(kClasses[idSet.prediction(0)])),
                 qPrintable(lines[1]));
        QVERIFY2(lines[2].endsWith(QLatin1Char(',') + kOodClasses[oodSet.labels[0]] + QLatin1Char(',') +
                                   csv(kClasses[oodSet.prediction(0)])),
                 qPrintable(lines[2]));
    }

private:
    QTemporaryDir dir_;
    RunResultPtr result_;
    std::size_t id_ = 0, ood_ = 0;
    std::unique_ptr<Workspace> session_;
    std::unique_ptr<ExplorePanel> panel_;
};

QTEST_MAIN(TestExploreClassNames)
#include "test_explore_classnames.moc"
