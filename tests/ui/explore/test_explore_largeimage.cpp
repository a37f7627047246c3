// SPDX-License-Identifier: GPL-3.0-or-later
// The inspector's image of a photo larger than the 64 MB image cache (issue 11, defect 4): a
// 6000 x 4000 JPEG (72 MB decoded) was never cached, so every imageReady asked for it again and
// the inspector decoded it forever ("loading…"). It is shown downscaled now, and decoded once.
#include "explore/InspectorPanel.h"
#include "explore/ThumbnailLoader.h"
#include "run/RunResult.h"

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

private slots:
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
