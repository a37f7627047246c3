// SPDX-License-Identifier: GPL-3.0-or-later
// The inspector's image of a photo larger than the 64 MB image cache (issue 11, defect 4): a
// 6000 x 4000 JPEG (72 MB decoded) was never cached, so every imageReady asked for it again and
// the inspector decoded it forever ("loading…"). It is shown downscaled now, and decoded once.
#include "explore/InspectorPanel.h"
#include "explore/ThumbnailLoader.h"
#include "run/RunResult.h"
#include "workspace/Workspace.h"

#include <QImage>
#include <QLabel>
#include <QPainter>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace oodlens;
using namespace oodlens::ui;

class TestExploreLargeImage : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;

    // A result over a flat folder that holds one 6000 x 4000 JPEG.
    RunResultPtr largeImageResult()
    {
        QImage photo(6000, 4000, QImage::Format_RGB888);
        QPainter p(&photo);
        QLinearGradient g(0, 0, 6000, 4000);
        g.setColorAt(0, Qt::darkBlue);
        g.setColorAt(1, Qt::yellow);
        p.fillRect(photo.rect(), g);
        p.end();
        const QString file = dir_.filePath(QStringLiteral("photos/big.jpg"));
        QDir().mkpath(dir_.filePath(QStringLiteral("photos")));
        if (!photo.save(file, "JPG", 80))
            return nullptr;
        auto r = std::make_shared<RunResult>();
        DatasetSummary d;
        d.name = "photos";
        d.path = dir_.filePath(QStringLiteral("photos")).toStdString();
        d.role = DatasetRole::Id;
        d.kind = "folder";
        d.items = d.rows = 1;
        r->datasets.push_back(d);
        auto set = std::make_shared<FeatureSet>();
        set->rows = 1;
        set->dim = 1;
        set->classes = 1;
        set->features = {0.f};
        set->logits = {0.f};
        set->labels = {-1};
        set->index = {0};
        set->paths = {file.toStdString()};
        r->features.push_back(set);
        r->idIndex = 0;
        return r;
    }

    // A result whose set is a features file: row 0's path is a PNG on disk, row 1's is not a file.
    RunResultPtr featuresResult()
    {
        QImage small(12, 8, QImage::Format_RGB888);
        small.fill(Qt::red);
        const QString png = dir_.filePath(QStringLiteral("small.png"));
        if (!small.save(png, "PNG"))
            return nullptr;
        auto r = std::make_shared<RunResult>();
        DatasetSummary d;
        d.name = "feats";
        d.path = dir_.filePath(QStringLiteral("feats.npz")).toStdString();
        d.role = DatasetRole::Id;
        d.kind = "features";
        d.items = d.rows = 2;
        r->datasets.push_back(d);
        auto set = std::make_shared<FeatureSet>();
        set->rows = 2;
        set->dim = 1;
        set->classes = 1;
        set->features = {0.f, 1.f};
        set->logits = {0.f, 1.f};
        set->labels = {-1, -1};
        set->index = {0, 1};
        set->paths = {png.toStdString(), "/nowhere/elsewhere.gz#7"};
        r->features.push_back(set);
        r->idIndex = 0;
        return r;
    }

private slots:
    // Features extracted elsewhere: a row's image is shown from its path when that is a file here,
    // and otherwise the inspector says so (it used to say "loading…" for ever on any failed decode).
    void featuresRowsShowTheirFileOrSayWhyNot()
    {
        const RunResultPtr result = featuresResult();
        QVERIFY(result);
        ThumbnailLoader loader;
        loader.setResult(result);
        QSignalSpy ready(&loader, &ThumbnailLoader::imageReady);
        QSignalSpy failed(&loader, &ThumbnailLoader::failed);
        QVERIFY(loader.image({0, 0}).isNull());
        QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, 10000);
        QCOMPARE(loader.image({0, 0}).size(), QSize(12, 8));
        QVERIFY(loader.image({0, 1}).isNull());
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 10000);
        QVERIFY2(loader.errorOf({0, 1}).contains(QStringLiteral("holds features only")),
                 qPrintable(loader.errorOf({0, 1})));

        Workspace session;
        session.setResult(result);
        ThumbnailLoader fresh;
        fresh.setResult(result);
        InspectorPanel panel(&session, &fresh);
        session.setCurrentImage({0, 1});
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (QLabel* label : panel.findChildren<QLabel*>())
                    if (label->text().contains(QStringLiteral("holds features only")))
                        return true;
                return false;
            }(),
            10000);
    }

    void largeImageIsShownDownscaledAndDecodedOnce()
    {
        const RunResultPtr result = largeImageResult();
        QVERIFY(result);
        ThumbnailLoader loader;
        loader.setResult(result);
        const ImageRef ref{0, 0};
        // As the inspector does: every imageReady for the current image asks for it again.
        int ready = 0;
        QImage shown;
        connect(&loader, &ThumbnailLoader::imageReady, this, [&](const ImageRef& r) {
            ++ready;
            shown = loader.image(r);
        });
        QSignalSpy failed(&loader, &ThumbnailLoader::failed);
        QVERIFY(loader.image(ref).isNull()); // queued
        QTRY_VERIFY_WITH_TIMEOUT(ready >= 1, 30000);
        QVERIFY(failed.isEmpty());
        QVERIFY(!shown.isNull()); // before: null, and asked for again
        QVERIFY(shown.width() <= ThumbnailLoader::kMaxImageSide && shown.height() <= ThumbnailLoader::kMaxImageSide);
        QCOMPARE(shown.width(), ThumbnailLoader::kMaxImageSide);
        QCOMPARE(ThumbnailLoader::originalSize(shown), QSize(6000, 4000));
        // Nothing more is decoded, however often the inspector asks.
        for (int i = 0; i < 5; ++i) {
            QVERIFY(!loader.image(ref).isNull());
            QTest::qWait(200);
        }
        QCOMPARE(loader.decodesStarted(), 1);
        QCOMPARE(ready, 1);
        QCOMPARE(loader.pending(), 0);
    }
};

QTEST_MAIN(TestExploreLargeImage)
#include "test_explore_largeimage.moc"
