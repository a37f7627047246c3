// SPDX-License-Identifier: GPL-3.0-or-later
// Exports of the exploration panel: the contact sheet (size, PNG and PDF, captions that fit, no
// title unless asked), the scatter as a vector figure, and the scores of the selected images as CSV.
#include "explore/ContactSheet.h"
#include "ExploreFixture.h"
#include "explore/ExplorePanel.h"
#include "explore/ScatterView.h"
#include "explore/SelectionCsv.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace oodlens;
using namespace oodlens::ui;

class TestExploreExports : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void sheetSizeFollowsTheGrid_data()
    {
        QTest::addColumn<int>("tiles");
        QTest::addColumn<int>("columns");
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        // margin 8, tile 100, caption 3 x (11 + 3) = 42, no title
        QTest::newRow("one row") << 3 << 4 << 8 + 3 * 108 << 8 + 150;
        QTest::newRow("full rows") << 8 << 4 << 8 + 4 * 108 << 8 + 2 * 150;
        QTest::newRow("partial row") << 9 << 4 << 8 + 4 * 108 << 8 + 3 * 150;
    }
    void sheetSizeFollowsTheGrid()
    {
        QFETCH(int, tiles);
        QFETCH(int, columns);
        QFETCH(int, width);
        QFETCH(int, height);
        ContactSheetLayout layout;
        layout.columns = columns;
        layout.tile = 100;
        QCOMPARE(layout.sheetSize(tiles), QSize(width, height));
        QVector<ContactTile> t(tiles);
        for (ContactTile& x : t) {
            x.image = QImage(28, 28, QImage::Format_Grayscale8);
            x.image.fill(200);
            x.caption = {QStringLiteral("#1"), QStringLiteral("score")};
        }
        const QString png = dir_.filePath(QStringLiteral("sheet-%1.png").arg(tiles));
        QCOMPARE(writeContactSheet(png, t, layout), QString());
        QFile f(png);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.read(8) == QByteArray("\x89PNG\r\n\x1a\n", 8));
        QCOMPARE(QImage(png).size(), QSize(width, height));
    }

    void pdfSheetHasAPdfHeader()
    {
        ContactSheetLayout layout;
        layout.title = QStringLiteral("test");
        QVector<ContactTile> t(5);
        const QString pdf = dir_.filePath(QStringLiteral("sheet.pdf"));
        QCOMPARE(writeContactSheet(pdf, t, layout), QString());
        QFile f(pdf);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.read(5) == "%PDF-");
    }

    void panelWritesSheetsOfRealImages()
    {
        Workspace session;
        ExplorePanel panel(&session);
        session.setCurrentMethod(QStringLiteral("gradnorm"));
        session.setResult(test::demoResult());
        QSignalSpy written(&panel, &ExplorePanel::contactSheetWritten);
        const QString png = dir_.filePath(QStringLiteral("gallery.png"));
        panel.exportContactSheet(png, ExplorePanel::SheetSource::Gallery, 20);
        QTRY_COMPARE(written.count(), 1);
        QCOMPARE(written.at(0).at(1).toString(), QString());
        // Eight columns, no title line, tiles at least as large as asked (wider when captions need it).
        const QImage sheet(png);
        ContactSheetLayout layout;
        layout.tile = (sheet.width() - layout.margin) / 8 - layout.margin;
        QVERIFY(layout.tile >= ContactSheetLayout().tile);
        QCOMPARE(sheet.width(), layout.sheetSize(20).width());
        // A title line only when asked.
        const QString titled = dir_.filePath(QStringLiteral("gallery-titled.png"));
        panel.exportContactSheet(titled, ExplorePanel::SheetSource::Gallery, 20, 0, true);
        QTRY_COMPARE(written.count(), 2);
        QVERIFY(QImage(titled).height() > sheet.height());
        if (qEnvironmentVariableIsSet("OODLENS_FIGURE_DIR")) // to look at it
            QFile::copy(png, qEnvironmentVariable("OODLENS_FIGURE_DIR") + QStringLiteral("/contact-sheet.png"));
        const QString pdf = dir_.filePath(QStringLiteral("disagreements.pdf"));
        panel.exportContactSheet(pdf, ExplorePanel::SheetSource::Disagreements, 16);
        QTRY_COMPARE(written.count(), 3);
        QCOMPARE(written.at(2).at(1).toString(), QString());
        QFile f(pdf);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.read(5) == "%PDF-");
    }

    void captionsFitTheirTiles()
    {
        QVector<ContactTile> tiles(3);
        tiles[0].caption = {QStringLiteral("#1 fashion-mnist 1234"), QStringLiteral("GradNorm 372.2214"), QStringLiteral("accepted")};
        tiles[1].caption = {QStringLiteral("#2 mnist-test-2000 17"), QStringLiteral("GradNorm 12.5"), QStringLiteral("flagged")};
        tiles[2].caption = {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("decode error")};
        ContactSheetLayout asked;
        asked.tile = 96;
        const ContactSheetLayout fitted = fitCaptions(asked, tiles);
        QCOMPARE(fitted.captionLines, 4); // every line of every caption gets a row
        const QFontMetrics metrics(contactSheetFont(fitted));
        for (const ContactTile& t : tiles)
            for (const QString& line : t.caption)
                QVERIFY2(metrics.horizontalAdvance(line) <= fitted.tile, qPrintable(line));
        QVERIFY(fitted.fontPixels <= asked.fontPixels && fitted.fontPixels >= asked.minFontPixels);
        // A caption too long even at the smallest font widens the tiles instead of being cut.
        tiles[2].caption = {QStringLiteral("a very long caption line that no tile of 96 pixels could ever hold")};
        const ContactSheetLayout wide = fitCaptions(asked, tiles);
        QCOMPARE(wide.fontPixels, asked.minFontPixels);
        QVERIFY(wide.tile > asked.tile);
        QVERIFY(QFontMetrics(contactSheetFont(wide)).horizontalAdvance(tiles[2].caption[0]) <= wide.tile);
    }

    void scatterExportsAsVector()
    {
        Workspace session;
        ExplorePanel panel(&session);
        session.setCurrentMethod(QStringLiteral("gradnorm"));
        session.setResult(test::demoResult());
        const std::size_t points = panel.scatter()->pointCount();
        QVERIFY(points > 1000);
        const QString svg = dir_.filePath(QStringLiteral("scatter.svg"));
        QCOMPARE(panel.exportScatterFigure(svg, FigureOptions()), QString());
        QFile f(svg);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray text = f.readAll();
        // Drawn as shapes, not as an embedded picture of the plot.
        QVERIFY(!text.contains("<image"));
        const int shapes = text.count("<path") + text.count("<ellipse") + text.count("<circle") + text.count("<polyline");
        QVERIFY2(shapes > 200, qPrintable(QString::number(shapes)));
        const QString pdf = dir_.filePath(QStringLiteral("scatter.pdf"));
        QCOMPARE(panel.exportScatterFigure(pdf, FigureOptions()), QString());
        if (qEnvironmentVariableIsSet("OODLENS_FIGURE_DIR"))
            panel.exportScatterFigure(qEnvironmentVariable("OODLENS_FIGURE_DIR") + QStringLiteral("/scatter.pdf"), FigureOptions());
        QFile p(pdf);
        QVERIFY(p.open(QIODevice::ReadOnly));
        QVERIFY(p.read(5) == "%PDF-");
    }

    void selectionCsvHasEveryScore()
    {
        const RunResultPtr r = test::demoResult();
        Workspace session;
        ExplorePanel panel(&session);
        session.setResult(r);
        // The gallery makes its first tile current as the result arrives; with no image picked
        // and none selected there is nothing to export.
        session.setCurrentImage(ImageRef());
        const QString file = dir_.filePath(QStringLiteral("selection.csv"));
        QVERIFY(!panel.exportSelectionCsv(file).isEmpty()); // nothing selected
        const QVector<ImageRef> picked{{r->idIndex, 4}, {int(r->oodIndices[0]), 9}};
        session.setSelection(picked);
        QCOMPARE(panel.exportSelectionCsv(file), QString());
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly | QIODevice::Text));
        const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 3);
        const QStringList header = lines[0].split(QLatin1Char(','));
        QCOMPARE(header.size(), 8 + int(r->methods.size()));
        // The name columns come after the scores, so that the older columns keep their places.
        QCOMPARE(header.mid(header.size() - 2), (QStringList{QStringLiteral("label_name"), QStringLiteral("prediction_name")}));
        const QStringList row = lines[2].split(QLatin1Char(','));
        QCOMPARE(row[0], QStringLiteral("fashion-mnist"));
        QCOMPARE(row[1], QStringLiteral("9"));
        const int col = int(header.indexOf(QStringLiteral("gradnorm")));
        QCOMPARE(row[col].toDouble(), r->scoresOf("gradnorm", r->oodIndices[0])[9]);
        // The demo model's sidecar names its classes "0".."9": the ID label is named by the
        // model's class, the Fashion-MNIST label (an IDX file without names) is not named at all.
        QCOMPARE(r->classNames.size(), std::size_t(10));
        const FeatureSet& id = *r->features[std::size_t(r->idIndex)];
        const FeatureSet& ood = *r->features[r->oodIndices[0]];
        const QStringList idRow = lines[1].split(QLatin1Char(','));
        QCOMPARE(idRow[header.size() - 2], QString::fromStdString(r->classNames[std::size_t(id.labels[4])]));
        QCOMPARE(idRow[header.size() - 1], QString::fromStdString(r->classNames[std::size_t(id.prediction(4))]));
        QCOMPARE(row[header.size() - 2], QString());
        QCOMPARE(row[header.size() - 1], QString::fromStdString(r->classNames[std::size_t(ood.prediction(9))]));
    }

private:
    QTemporaryDir dir_;
};

QTEST_MAIN(TestExploreExports)
#include "test_explore_exports.moc"
