// SPDX-License-Identifier: GPL-3.0-or-later
// The exploration panel, offscreen: linked selection across the gallery, the scatter and the
// disagreement list; the inspector's percentiles, decisions and decompositions; its figure export.
#include "explore/DisagreementModel.h"
#include "explore/DisagreementView.h"
#include "ExploreFixture.h"
#include "explore/ExplorePanel.h"
#include "explore/GalleryModel.h"
#include "explore/GalleryView.h"
#include "explore/InspectorFigure.h"
#include "explore/InspectorPanel.h"
#include "explore/ScatterView.h"
#include "explore/ThumbnailLoader.h"

#include <QComboBox>
#include <QFile>
#include <QListView>
#include <QTableView>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include <set>
#include <qcustomplot.h>

#include <cmath>

using namespace oodlens;
using namespace oodlens::ui;

class TestExplorePanel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        result_ = test::demoResult();
        QVERIFY(result_);
        QVERIFY(dir_.isValid());
    }

    void init()
    {
        session_ = std::make_unique<Workspace>();
        panel_ = std::make_unique<ExplorePanel>(session_.get());
        panel_->resize(1400, 900);
        panel_->show();
        QVERIFY(QTest::qWaitForWindowExposed(panel_.get()));
        session_->setCurrentMethod(QStringLiteral("gradnorm"));
        session_->setResult(result_);
        session_->setThreshold(thresholdAtIdTpr(result_->scoresOf("gradnorm", result_->idIndex), 0.95));
    }

    void cleanup()
    {
        panel_.reset();
        session_.reset();
    }

    // A flipped method is named "ExGrad (flipped)" wherever Explore names it, as in the metrics.
    void flippedMethodIsNamedSoEverywhere()
    {
        QVERIFY(result_->scores.count("exgrad"));
        auto flipped = std::make_shared<RunResult>(*result_);
        flipped->params.parseAssignment("exgrad.flip=1");
        session_->setResult(flipped);
        const QString name = QStringLiteral("ExGrad (flipped)");
        int combos = 0;
        for (const QComboBox* c : panel_->findChildren<QComboBox*>())
            for (int i = 0; i < c->count(); ++i) {
                if (c->itemData(i).toString() != QLatin1String("exgrad"))
                    continue;
                QCOMPARE(c->itemText(i), name);
                ++combos;
            }
        QVERIFY2(combos >= 3, qPrintable(QString::number(combos))); // gallery, scatter x and y, disagreements
        session_->setCurrentImage({result_->idIndex, 0});
        const QTreeWidget* tree = panel_->inspector()->scoreTree();
        QVERIFY(!tree->findItems(name, Qt::MatchExactly | Qt::MatchRecursive).isEmpty());
        QVERIFY(tree->findItems(QStringLiteral("ExGrad"), Qt::MatchExactly | Qt::MatchRecursive).isEmpty());
        const InspectorFigureContent content = inspectorFigureContent(*session_, nullptr, tree);
        QVERIFY2(content.decomposition.join(QLatin1Char('\n')).contains(name + QStringLiteral(" = feature term")),
                 qPrintable(content.decomposition.join(QLatin1Char('\n'))));
    }

    void galleryPickIsHighlightedEverywhere()
    {
        // Pick the image the disagreement list ranks first, from the gallery.
        const ImageRef ref = panel_->disagreements()->model()->imageAt(0);
        QVERIFY(ref.isValid());
        GalleryView* gallery = panel_->gallery();
        const int row = gallery->model()->rowOf(ref);
        QVERIFY(row >= 0);
        gallery->listView()->scrollTo(gallery->model()->index(row));
        QTest::mouseClick(gallery->listView()->viewport(), Qt::LeftButton, {},
                          gallery->listView()->visualRect(gallery->model()->index(row)).center());
        QCOMPARE(session_->currentImage(), ref);
        QVERIFY(gallery->model()->data(gallery->model()->index(row), GalleryModel::CurrentRole).toBool());
        // The scatter rings it, the disagreement list selects its row, the inspector shows it.
        QCustomPlot* plot = panel_->scatter()->plot();
        const QCPGraph* ring = plot->graph(plot->graphCount() - 1);
        QCOMPARE(ring->dataCount(), 1);
        QVERIFY(panel_->disagreements()->table()->selectionModel()->isRowSelected(0, {}));
        QVERIFY(panel_->inspector()->headerText().contains(QStringLiteral("image %1").arg(ref.row)));
        QTRY_VERIFY(panel_->inspector()->hasImage());
    }

    void scatterClickPicksTheImage()
    {
        panel_->tabs()->setCurrentWidget(panel_->scatter());
        ScatterView* scatter = panel_->scatter();
        QCOMPARE(scatter->yMethod(), QStringLiteral("gradnorm"));
        QCOMPARE(scatter->pointCount() + scatter->hiddenCount(), std::size_t(4000));
        // A point far from the others: the lowest GradNorm.
        const std::vector<double>& ood = result_->scoresOf("gradnorm", result_->oodIndices[0]);
        const ImageRef target{int(result_->oodIndices[0]),
                              int(std::min_element(ood.begin(), ood.end()) - ood.begin())};
        const QPointF p = scatter->pixelOf(target);
        QVERIFY(p.x() >= 0);
        const ImageRef near = scatter->imageNear(p, 1);
        QVERIFY(near.isValid());
        QTest::mouseClick(scatter->plot(), Qt::LeftButton, {}, p.toPoint());
        QVERIFY(session_->currentImage().isValid());
        QVERIFY(QLineF(scatter->pixelOf(session_->currentImage()), p).length() < 8);
        // The gallery scrolls to it and marks it.
        const int row = panel_->gallery()->model()->rowOf(session_->currentImage());
        QCOMPARE(panel_->gallery()->listView()->currentIndex().row(), row);
    }

    void lassoSelectsAndFiltersTheGallery()
    {
        panel_->tabs()->setCurrentWidget(panel_->scatter());
        ScatterView* scatter = panel_->scatter();
        scatter->setSelectMode(ScatterView::SelectMode::Lasso);
        const QRect area = scatter->plot()->axisRect()->rect();
        // A triangle over the left half of the plot, drawn with the mouse.
        const QPoint a = area.topLeft() + QPoint(5, 5), b = QPoint(area.center().x(), area.bottom() - 5),
                     c = area.bottomLeft() + QPoint(5, -5);
        QTest::mousePress(scatter->plot(), Qt::LeftButton, {}, a);
        for (const QPoint& q : {b, c}) {
            QMouseEvent move(QEvent::MouseMove, q, scatter->plot()->mapToGlobal(q), Qt::NoButton, Qt::LeftButton, {});
            QCoreApplication::sendEvent(scatter->plot(), &move);
        }
        QTest::mouseRelease(scatter->plot(), Qt::LeftButton, {}, c);
        const QVector<ImageRef> expected = scatter->imagesInPolygon(QPolygonF(QVector<QPointF>{a, b, c}));
        QVERIFY(!expected.isEmpty());
        QCOMPARE(session_->selection().size(), expected.size());
        for (const ImageRef& ref : expected) {
            const QPointF p = scatter->pixelOf(ref);
            QVERIFY(QPolygonF(QVector<QPointF>{a, b, c}).containsPoint(p, Qt::OddEvenFill));
        }
        QVERIFY(panel_->gallery()->model()->selectionOnly());
        QCOMPARE(panel_->gallery()->model()->rowCount(), expected.size());
    }

    void decompositionPlaneDrawsTheThresholdHyperbola()
    {
        ScatterView* scatter = panel_->scatter();
        scatter->applyPreset(ScatterView::Preset::DecompositionPlane);
        QCOMPARE(scatter->xMethod(), QStringLiteral("feature_l1"));
        QCOMPARE(scatter->yMethod(), QStringLiteral("gradterm"));
        QCOMPARE(scatter->plot()->xAxis->scaleType(), QCPAxis::stLogarithmic);
        QVERIFY(scatter->showsHyperbola());
        session_->setCurrentMethod(QStringLiteral("energy"));
        QVERIFY(!scatter->showsHyperbola());
    }

    void disagreementRowPicksTheImage()
    {
        panel_->tabs()->setCurrentWidget(panel_->disagreements());
        DisagreementView* view = panel_->disagreements();
        view->setFlagConflictOnly(true);
        DisagreementModel* model = view->model();
        QVERIFY(model->rowCount() > 0);
        for (const Disagreement& x : model->report().rows)
            QVERIFY(x.flaggedA != x.flaggedB);
        const QModelIndex index = model->index(1, 1);
        QTest::mouseClick(view->table()->viewport(), Qt::LeftButton, {}, view->table()->visualRect(index).center());
        QCOMPARE(session_->currentImage(), model->imageAt(1));
        QVERIFY(panel_->gallery()->model()->data(panel_->gallery()->model()->index(
                                                      panel_->gallery()->model()->rowOf(model->imageAt(1))),
                                                  GalleryModel::CurrentRole)
                    .toBool());
    }

    void inspectorShowsPercentilesAndDecisions()
    {
        const ImageRef ref{int(result_->oodIndices[0]), 17};
        session_->setCurrentImage(ref);
        QTreeWidget* tree = panel_->inspector()->scoreTree();
        int methods = 0;
        for (int i = 0; i < tree->topLevelItemCount(); ++i) {
            const QTreeWidgetItem* item = tree->topLevelItem(i);
            const std::string id = item->data(0, Qt::UserRole).toString().toStdString();
            if (id.empty())
                continue; // a group heading
            ++methods;
            const double v = result_->scoresOf(id, ref.dataset)[ref.row];
            const double pct = percentileWithin(result_->scoresOf(id, result_->idIndex), v);
            QCOMPARE(item->text(2), QString::number(100 * pct, 'f', 1) + QStringLiteral(" %"));
            const bool current = id == "gradnorm";
            const double t = current ? session_->threshold()
                                     : thresholdAtIdTpr(result_->scoresOf(id, result_->idIndex), 0.95);
            QCOMPARE(item->text(3).startsWith(QStringLiteral("flagged")), v < t);
            // Which threshold judged it, and its value, are in the cell's tooltip.
            QCOMPARE(item->toolTip(3).contains(QStringLiteral("current threshold")), current);
            QVERIFY(item->toolTip(3).contains(QString::number(t, 'g', 5)));
        }
        QCOMPARE(methods, int(result_->methods.size()));
        QVERIFY(tree->topLevelItem(0)->text(0).startsWith(QStringLiteral("Gradient")));
        const QString decomposition = panel_->inspector()->decompositionText();
        QVERIFY(decomposition.contains(QStringLiteral("GradNorm")));
        QVERIFY(decomposition.contains(QStringLiteral("ExGrad")));
        QVERIFY(panel_->inspector()->headerText().contains(QStringLiteral("top-5")));
    }

    void inspectorExportsPdfSvgPng()
    {
        session_->setCurrentImage({result_->idIndex, 3});
        QTRY_VERIFY(panel_->inspector()->hasImage());
        const QString pdf = dir_.filePath(QStringLiteral("inspector.pdf"));
        const QString svg = dir_.filePath(QStringLiteral("inspector.svg"));
        const QString png = dir_.filePath(QStringLiteral("inspector.png"));
        QCOMPARE(panel_->inspector()->exportTo(pdf), QString());
        QCOMPARE(panel_->inspector()->exportTo(svg), QString());
        QCOMPARE(panel_->inspector()->exportTo(png, 96), QString());
        if (qEnvironmentVariableIsSet("OODLENS_FIGURE_DIR")) // to look at it
            panel_->inspector()->exportTo(qEnvironmentVariable("OODLENS_FIGURE_DIR") + QStringLiteral("/inspector.pdf"));
        QFile f(pdf);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.read(5) == "%PDF-");
        QFile s(svg);
        QVERIFY(s.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(s.readAll());
        QVERIFY(text.contains(QStringLiteral("<svg")));
        // A designed figure, not a grab of the panel: 17.5 cm wide whatever the panel's size,
        // with the image's source, the top-5, the table of every score and the decomposition as text.
        const QImage image(png);
        QCOMPARE(image.width(), qRound(17.5 / 2.54 * 96));
        QVERIFY(image.height() > 200);
        QVERIFY(text.contains(QStringLiteral("image 3")));
        QVERIFY(text.contains(QStringLiteral("Top-5 softmax")));
        QVERIFY(text.contains(QStringLiteral("ID percentile")));
        QVERIFY(text.contains(QStringLiteral("feature term")));
        // Every row of the panel's table, said the same way.
        const QTreeWidget* tree = panel_->inspector()->scoreTree();
        const InspectorFigureContent content = inspectorFigureContent(*session_, panel_->loader(), tree);
        QCOMPARE(content.rows.size(), tree->topLevelItemCount());
        for (int i = 0; i < tree->topLevelItemCount(); ++i) {
            const QTreeWidgetItem* item = tree->topLevelItem(i);
            const auto& row = content.rows[i];
            QCOMPARE(row.group.isEmpty() ? row.method : row.group, item->text(0));
            if (!item->isFirstColumnSpanned()) {
                QCOMPARE(row.decision, item->text(3));
                QVERIFY2(text.contains(item->text(0).section(QLatin1Char(' '), 0, 0).toHtmlEscaped()),
                         qPrintable(item->text(0)));
            }
        }
        // The image itself is drawn, enlarged: the figure's top-left holds more than one grey level.
        const QImage drawn = image.copy(8, 8, 150, 150).convertToFormat(QImage::Format_Grayscale8);
        std::set<int> levels;
        for (int y = 0; y < drawn.height(); y += 3)
            for (int x = 0; x < drawn.width(); x += 3)
                levels.insert(qGray(drawn.pixel(x, y)) / 32);
        QVERIFY(levels.size() > 2);
    }

private:
    RunResultPtr result_;
    QTemporaryDir dir_;
    std::unique_ptr<Workspace> session_;
    std::unique_ptr<ExplorePanel> panel_;
};

QTEST_MAIN(TestExplorePanel)
#include "test_explore_panel.moc"
