// SPDX-License-Identifier: GPL-3.0-or-later
// Keyboard navigation in the gallery: the arrow keys, Home and End move the Workspace's current
// image (so the inspector follows), to the tile the view shows next to, below, first or last;
// moving the view's current index any other way (focus, a reset) leaves the current image alone.
#include "ExploreFixture.h"
#include "explore/ExplorePanel.h"
#include "explore/GalleryModel.h"
#include "explore/GalleryView.h"
#include "explore/InspectorPanel.h"

#include <QListView>
#include <QtTest>

using namespace oodlens;
using namespace oodlens::ui;

class TestGalleryKeys : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        result_ = test::demoResult();
        QVERIFY(result_);
        session_.setResult(result_);
        session_.setCurrentMethod(QStringLiteral("gradnorm"));
        panel_ = std::make_unique<ExplorePanel>(&session_);
        panel_->resize(900, 600);
        panel_->show();
        QVERIFY(QTest::qWaitForWindowExposed(panel_.get()));
        list_ = panel_->gallery()->listView();
        model_ = panel_->gallery()->model();
        QVERIFY(model_->rowCount() > 10);
        list_->setFocus();
    }

    void arrowsHomeAndEndMoveTheCurrentImage()
    {
        // The gallery starts at its first tile.
        QCOMPARE(session_.currentImage(), model_->imageAt(0));

        QTest::keyClick(list_, Qt::Key_Right);
        QCOMPARE(session_.currentImage(), model_->imageAt(1));
        QTest::keyClick(list_, Qt::Key_Right);
        QCOMPARE(session_.currentImage(), model_->imageAt(2));
        QTest::keyClick(list_, Qt::Key_Left);
        QCOMPARE(session_.currentImage(), model_->imageAt(1));

        // Down: the tile the view draws right below the current one.
        const QRect here = list_->visualRect(model_->index(1));
        const QModelIndex below = list_->indexAt(here.center() + QPoint(0, here.height() + 2));
        QVERIFY(below.isValid() && below.row() > 1);
        QTest::keyClick(list_, Qt::Key_Down);
        QCOMPARE(session_.currentImage(), model_->imageAt(below.row()));
        QTest::keyClick(list_, Qt::Key_Up);
        QCOMPARE(session_.currentImage(), model_->imageAt(1));

        QTest::keyClick(list_, Qt::Key_End);
        QCOMPARE(session_.currentImage(), model_->imageAt(model_->rowCount() - 1));
        QTest::keyClick(list_, Qt::Key_Home);
        QCOMPARE(session_.currentImage(), model_->imageAt(0));
    }

    void theInspectorFollows()
    {
        QTest::keyClick(list_, Qt::Key_Home);
        QTest::keyClick(list_, Qt::Key_Right);
        const ImageRef ref = model_->imageAt(1);
        const QString name = QString::fromStdString(result_->datasets[std::size_t(ref.dataset)].name);
        const QString header = panel_->inspector()->headerText();
        QVERIFY2(header.contains(name) && header.contains(QStringLiteral("image %1").arg(ref.row)), qPrintable(header));
    }

    void onlyKeysMoveIt()
    {
        QTest::keyClick(list_, Qt::Key_Home);
        const ImageRef before = session_.currentImage();
        list_->selectionModel()->setCurrentIndex(model_->index(5), QItemSelectionModel::NoUpdate);
        QCOMPARE(session_.currentImage(), before);
    }

private:
    RunResultPtr result_;
    Workspace session_;
    std::unique_ptr<ExplorePanel> panel_;
    QListView* list_ = nullptr;
    GalleryModel* model_ = nullptr;
};

QTEST_MAIN(TestGalleryKeys)
#include "test_gallery_keys.moc"
