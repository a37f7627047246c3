// SPDX-License-Identifier: GPL-3.0-or-later
// The gallery model against the score table: order, every filter, the session's threshold and
// selection, and thumbnails that arrive from the loader's worker threads.
#include "ExploreFixture.h"
#include "explore/GalleryModel.h"
#include "explore/GalleryView.h"
#include "explore/ThumbnailLoader.h"

#include <QListView>
#include <QSignalSpy>
#include <QtTest>

#include <algorithm>
#include <cmath>

using namespace oodlens;
using namespace oodlens::ui;

class TestExploreGallery : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        result_ = test::demoResult();
        QVERIFY(result_);
        session_.setResult(result_);
        session_.setCurrentMethod(QStringLiteral("gradnorm"));
        loader_.setResult(result_);
    }

    void sortsByAnyScore_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<bool>("ascending");
        QTest::addColumn<int>("dataset");
        QTest::newRow("gradnorm ascending, all") << QStringLiteral("gradnorm") << true << -1;
        QTest::newRow("energy descending, all") << QStringLiteral("energy") << false << -1;
        QTest::newRow("msp ascending, OOD only") << QStringLiteral("msp") << true << 1;
        QTest::newRow("mahalanobis descending, ID only") << QStringLiteral("mahalanobis") << false << 0;
    }
    void sortsByAnyScore()
    {
        QFETCH(QString, method);
        QFETCH(bool, ascending);
        QFETCH(int, dataset);
        GalleryModel model(&session_, &loader_);
        model.setSortMethod(method);
        model.setAscending(ascending);
        model.setDatasetFilter(dataset);
        std::vector<double> expected;
        for (std::size_t d : {std::size_t(result_->idIndex), result_->oodIndices[0]})
            if (dataset < 0 || int(d) == dataset)
                for (double v : result_->scoresOf(method.toStdString(), d))
                    expected.push_back(v);
        QCOMPARE(std::size_t(model.rowCount()), expected.size());
        std::sort(expected.begin(), expected.end());
        if (!ascending)
            std::reverse(expected.begin(), expected.end());
        for (int i = 0; i < model.rowCount(); ++i) {
            const ImageRef ref = model.imageAt(i);
            const double score = result_->scoresOf(method.toStdString(), ref.dataset)[ref.row];
            QCOMPARE(model.data(model.index(i), GalleryModel::ScoreRole).toDouble(), score);
            QCOMPARE(score, expected[std::size_t(i)]);
            QCOMPARE(model.rowOf(ref), i);
            QCOMPARE(model.data(model.index(i), GalleryModel::RankRole).toInt(), i + 1);
        }
    }

    void filtersByClassAndFlag()
    {
        GalleryModel model(&session_, &loader_);
        const std::vector<double>& id = result_->scoresOf("gradnorm", result_->idIndex);
        std::vector<double> sorted = id;
        std::sort(sorted.begin(), sorted.end());
        session_.setThreshold(sorted[sorted.size() / 10]); // about 10% of ID flagged
        // The (true, predicted) pair of the first digit the demo CNN gets wrong.
        const FeatureSet& set = *result_->features[result_->idIndex];
        std::size_t wrong = 0;
        while (wrong < set.rows && set.labels[wrong] == set.prediction(wrong))
            ++wrong;
        QVERIFY(wrong < set.rows);
        const int label = set.labels[wrong], predicted = set.prediction(wrong);
        model.setTrueClassFilter(label);
        model.setPredictedClassFilter(predicted);
        model.setDatasetFilter(result_->idIndex);
        int expected = 0;
        for (std::size_t r = 0; r < set.rows; ++r)
            expected += set.labels[r] == label && set.prediction(r) == predicted ? 1 : 0;
        QCOMPARE(model.rowCount(), expected);
        QVERIFY(model.rowOf({result_->idIndex, int(wrong)}) >= 0);

        model.setTrueClassFilter(-1);
        model.setPredictedClassFilter(-1);
        model.setDatasetFilter(-1);
        model.setFlagFilter(FlagFilter::Flagged);
        int flagged = 0;
        for (std::size_t d : {std::size_t(result_->idIndex), result_->oodIndices[0]})
            for (double v : result_->scoresOf("gradnorm", d))
                flagged += std::isnan(v) || v < session_.threshold() ? 1 : 0;
        QCOMPARE(model.rowCount(), flagged);
        for (int i = 0; i < model.rowCount(); ++i)
            QVERIFY(model.data(model.index(i), GalleryModel::FlaggedRole).toBool());
        // Moving the threshold refilters.
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        session_.setThreshold(sorted[sorted.size() / 2]);
        QCOMPARE(reset.count(), 1);
        QVERIFY(model.rowCount() > flagged);
        model.setFlagFilter(FlagFilter::Accepted);
        for (int i = 0; i < model.rowCount(); ++i)
            QVERIFY(!model.data(model.index(i), GalleryModel::FlaggedRole).toBool());
    }

    void selectionIsAFilter()
    {
        GalleryModel model(&session_, &loader_);
        model.setSelectionOnly(true);
        QCOMPARE(model.rowCount(), 0);
        const QVector<ImageRef> picked{{0, 5}, {1, 7}, {0, 11}};
        session_.setSelection(picked);
        QCOMPARE(model.rowCount(), 3);
        for (const ImageRef& ref : picked)
            QVERIFY(model.rowOf(ref) >= 0);
        session_.setSelection({});
    }

    void thumbnailsArriveFromWorkers()
    {
        GalleryModel model(&session_, &loader_);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        const QModelIndex first = model.index(0);
        QVERIFY(model.data(first, Qt::DecorationRole).value<QImage>().isNull()); // queued, not decoded here
        QTRY_VERIFY2(!model.data(first, Qt::DecorationRole).value<QImage>().isNull(),
                     qPrintable(loader_.errorOf(model.imageAt(0))));
        QVERIFY(changed.count() >= 1);
        const QImage thumb = model.data(first, Qt::DecorationRole).value<QImage>();
        QCOMPARE(std::max(thumb.width(), thumb.height()), loader_.thumbnailSize());
    }

    void viewClickSetsCurrentImage()
    {
        GalleryView view(&session_, &loader_);
        view.resize(800, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const QModelIndex index = view.model()->index(2);
        QTest::mouseClick(view.listView()->viewport(), Qt::LeftButton, {},
                          view.listView()->visualRect(index).center());
        QCOMPARE(session_.currentImage(), view.model()->imageAt(2));
        QVERIFY(view.model()->data(index, GalleryModel::CurrentRole).toBool());
    }

    void ctrlAndShiftClicksFeedTheSelection()
    {
        session_.setSelection({});
        GalleryView view(&session_, &loader_);
        view.resize(800, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QListView* list = view.listView();
        const auto click = [&](int row, Qt::KeyboardModifiers modifiers) {
            QTest::mouseClick(list->viewport(), Qt::LeftButton, modifiers,
                              list->visualRect(view.model()->index(row)).center());
        };
        const auto sorted = [](QVector<ImageRef> v) {
            std::sort(v.begin(), v.end(), [](const ImageRef& a, const ImageRef& b) {
                return a.dataset != b.dataset ? a.dataset < b.dataset : a.row < b.row;
            });
            return v;
        };
        const ImageRef r1 = view.model()->imageAt(1), r3 = view.model()->imageAt(3), r4 = view.model()->imageAt(4);

        // A plain click sets the current image and leaves the (empty) selection alone.
        QSignalSpy selectionChanged(&session_, &Workspace::selectionChanged);
        click(1, {});
        QCOMPARE(session_.currentImage(), r1);
        QVERIFY(session_.selection().isEmpty());
        QCOMPARE(selectionChanged.count(), 0);

        // Ctrl adds a tile, Shift extends to a range; each becomes the session's selection.
        click(3, Qt::ControlModifier);
        QCOMPARE(session_.selection(), sorted({r1, r3}));
        click(4, Qt::ShiftModifier);
        // Shift extends the block begun by the last Ctrl+click (3..4); earlier Ctrl picks stay.
        QCOMPARE(session_.selection(), sorted({r1, r3, r4}));
        click(1, Qt::ShiftModifier);
        QCOMPARE(session_.selection(), sorted({r1, view.model()->imageAt(2), r3}));
        // Ctrl toggles a tile off again.
        click(2, Qt::ControlModifier);
        QCOMPARE(session_.selection(), sorted({r1, r3}));
        // The gallery's own picks do not turn it into a "selection only" filter.
        QVERIFY(view.model()->rowCount() > 10);

        // A plain click ends the gallery's selection and sets the current image.
        click(5, {});
        QVERIFY(session_.selection().isEmpty());
        QCOMPARE(session_.currentImage(), view.model()->imageAt(5));

        // A selection made elsewhere (the scatter's lasso) shows as selected tiles and survives
        // a plain click.
        const QVector<ImageRef> lasso = sorted({view.model()->imageAt(6), view.model()->imageAt(8)});
        session_.setSelection(lasso);
        QVERIFY(list->selectionModel()->isSelected(view.model()->index(6)));
        QVERIFY(list->selectionModel()->isSelected(view.model()->index(8)));
        QVERIFY(!list->selectionModel()->isSelected(view.model()->index(7)));
        click(2, {});
        QCOMPARE(session_.selection(), lasso);
        QCOMPARE(session_.currentImage(), view.model()->imageAt(2));
        session_.setSelection({});
    }

private:
    RunResultPtr result_;
    Workspace session_;
    ThumbnailLoader loader_;
};

QTEST_MAIN(TestExploreGallery)
#include "test_explore_gallery.moc"
