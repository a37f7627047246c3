// SPDX-License-Identifier: GPL-3.0-or-later
// Figures export as valid files: PDF (starts with %PDF), SVG (well-formed XML with an <svg> root),
// PNG (round(width in inches x dpi) pixels wide), at one- and two-column sizes, offscreen; the
// `oodlens-cli figures` command writes the same for every method, headless. Paper style: fonts
// embedded in PDFs (pdffonts) and named in SVGs, no window title or note unless asked, the legend
// where it was asked for, square ROC plot areas, and an overlay of 17 methods with a plot area of
// real height, every curve drawn and every method in a colour / line style of its own.
#include "plots/CurvePlot.h"
#include "plots/FigureExport.h"
#include "plots/HistogramView.h"
#include "plots/OkabeIto.h"
#include "plots/PlotDecor.h"
#include "plots/PlotSeries.h"
#include "plots/PrView.h"
#include "plots/RocView.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

#include <QStandardPaths>

#include <cmath>
#include <set>
#include <tuple>

using namespace oodlens;
using namespace oodlens::ui;

namespace {

void fill(HistogramView& view)
{
    std::vector<double> a, b;
    for (int i = 0; i < 500; ++i) {
        a.push_back(std::sin(i * 0.37) + 2.0);
        b.push_back(std::cos(i * 0.11));
    }
    view.showScores(QStringLiteral("Energy"),
                    {{QStringLiteral("ID: a"), Qt::blue, a}, {QStringLiteral("OOD: b"), Qt::red, b}});
    view.setThreshold(1.0);
}

bool isWellFormedSvg(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    QXmlStreamReader xml(&file);
    bool sawSvg = false;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement() && !sawSvg)
            sawSvg = xml.name() == QLatin1String("svg");
    }
    return !xml.hasError() && sawSvg;
}

// 17 ROC curves that do not cross: method m's TPR is FPR^(0.08 + 0.055 m), so every curve has a
// band of the plot of its own.
std::vector<RocSeries> manyRocCurves(int methods)
{
    std::vector<RocSeries> series;
    for (int m = 0; m < methods; ++m) {
        RocCurve c;
        for (int i = 0; i <= 200; ++i) {
            const double x = i / 200.0;
            c.fpr.push_back(x);
            c.tpr.push_back(std::pow(x, 0.08 + 0.055 * m));
            c.threshold.push_back(1 - x);
        }
        const MethodLook look = methodLook(m);
        series.push_back({QStringLiteral("Method %1").arg(m), look.color, c, 0.95 - 0.01 * m, look.style});
    }
    return series;
}

// Every piece of text of an SVG, in document order.
QStringList svgTexts(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QXmlStreamReader xml(&file);
    QStringList texts;
    int depth = 0;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement() && xml.name() == QLatin1String("text"))
            ++depth, texts << QString();
        else if (xml.isEndElement() && xml.name() == QLatin1String("text"))
            --depth;
        else if (xml.isCharacters() && depth > 0)
            texts.back() += xml.text();
    }
    return texts;
}

// The font-family attributes of an SVG's elements.
std::set<QString> svgFontFamilies(const QString& path)
{
    QFile file(path);
    std::set<QString> families;
    if (!file.open(QIODevice::ReadOnly))
        return families;
    QXmlStreamReader xml(&file);
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement() && xml.attributes().hasAttribute(QStringLiteral("font-family")))
            families.insert(xml.attributes().value(QStringLiteral("font-family")).toString());
    }
    return families;
}

// pdffonts' table of a PDF: (font name, embedded) per font. Fails the test when pdffonts is
// missing (packaging/install-deps.sh installs poppler-utils).
bool pdfFonts(const QString& pdf, std::vector<std::pair<QString, bool>>* fonts, QString* why)
{
    const QString tool = QStandardPaths::findExecutable(QStringLiteral("pdffonts"));
    if (tool.isEmpty()) {
        *why = QStringLiteral("pdffonts not found: install poppler-utils (packaging/install-deps.sh does)");
        return false;
    }
    QProcess p;
    p.start(tool, {pdf});
    if (!p.waitForFinished(30000) || p.exitCode() != 0) {
        *why = QStringLiteral("pdffonts failed: ") + QString::fromLocal8Bit(p.readAllStandardError());
        return false;
    }
    const QStringList lines = QString::fromLocal8Bit(p.readAllStandardOutput()).split(QLatin1Char('\n'));
    // name type... encoding emb sub uni object ID: the last five columns are single words.
    for (int i = 2; i < lines.size(); ++i) {
        const QStringList cols = lines[i].simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (cols.size() < 7)
            continue;
        fonts->emplace_back(cols.front(), cols[cols.size() - 5] == QLatin1String("yes"));
    }
    return true;
}

// Pixels of `image` inside `area` within a small distance of `color`.
// The legend's entries in order: itemCount() counts the grid's cells, and a wrapped grid can have empty ones.
QList<QCPAbstractLegendItem*> legendEntries(const QCPLegend* legend)
{
    QList<QCPAbstractLegendItem*> entries;
    for (int i = 0; i < legend->itemCount(); ++i)
        if (QCPAbstractLegendItem* item = legend->item(i))
            entries << item;
    return entries;
}

int pixelsNear(const QImage& image, const QRect& area, const QColor& color)
{
    int n = 0;
    const QRect r = area.intersected(image.rect());
    for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x) {
            const QColor c = image.pixelColor(x, y);
            if (std::abs(c.red() - color.red()) + std::abs(c.green() - color.green()) +
                    std::abs(c.blue() - color.blue()) <
                40)
                ++n;
        }
    return n;
}

QRect scaled(const QRect& r, double f)
{
    return QRect(qRound(r.x() * f), qRound(r.y() * f), qRound(r.width() * f), qRound(r.height() * f));
}

// A result of `methods` methods (ids m0, m1, ...) on an ID set and `oods` OOD sets, scores made up.
RunResult syntheticResult(int methods, int oods)
{
    RunResult r;
    DatasetSummary id;
    id.name = "id";
    id.role = DatasetRole::Id;
    r.datasets.push_back(id);
    r.idIndex = 0;
    for (int o = 0; o < oods; ++o) {
        DatasetSummary ood;
        ood.name = "ood" + std::to_string(o);
        r.datasets.push_back(ood);
        r.oodIndices.push_back(std::size_t(o + 1));
    }
    for (int m = 0; m < methods; ++m) {
        const std::string id = "m" + std::to_string(m);
        r.methods.push_back(id);
        std::vector<std::vector<double>> perSet(r.datasets.size());
        for (std::size_t d = 0; d < r.datasets.size(); ++d)
            for (int i = 0; i < 200; ++i)
                perSet[d].push_back(std::sin(i * 0.7 + m) + (d == 0 ? 1.0 + 0.05 * m : 0.0));
        for (std::size_t ood : r.oodIndices) {
            MetricsRow row;
            row.method = id;
            row.ood = r.datasets[ood].name;
            row.metrics = computeMetrics(perSet[0], perSet[ood]);
            r.metrics.push_back(row);
        }
        r.scores[id] = perSet;
    }
    return r;
}

} // namespace

class TestFigureExport : public QObject {
    Q_OBJECT

private slots:
    void pdfSvgPngAreValid_data();
    void pdfSvgPngAreValid();
    void unknownExtensionIsRefused();
    void screenPlotIsUnchangedAfterExport();
    void cliFiguresWritesEveryFormat();
    void overlayOf17MethodsShowsEveryCurve();
    void methodsNeverShareColourAndLineStyle();
    void windowLegendOfManyCurvesStaysShort();
    void pdfEmbedsItsFontsAndSvgNamesThem();
    void noWindowTitleOrNoteUnlessAsked();
    void legendPositionIsHonoured_data();
    void legendPositionIsHonoured();
    void autoLegendLeavesCurvesBelowTheDiagonalVisible();
    void rocAndPrPlotAreasAreSquare();
    void panelsSitSideBySide();

private:
    QTemporaryDir dir_;
};

void TestFigureExport::pdfSvgPngAreValid_data()
{
    QTest::addColumn<double>("width");
    QTest::addColumn<double>("height");
    QTest::addColumn<bool>("inches");
    QTest::addColumn<int>("dpi");
    QTest::newRow("one column, 300 dpi") << 8.5 << 6.0 << false << 300;
    QTest::newRow("two columns, 150 dpi") << 17.5 << 8.0 << false << 150;
    QTest::newRow("3.5 in, 600 dpi") << 3.5 << 2.5 << true << 600;
}

void TestFigureExport::pdfSvgPngAreValid()
{
    QFETCH(double, width);
    QFETCH(double, height);
    QFETCH(bool, inches);
    QFETCH(int, dpi);
    HistogramView view;
    view.resize(800, 500);
    fill(view);
    FigureOptions options;
    options.size = {width, height, inches ? FigureSize::Unit::Inch : FigureSize::Unit::Cm};
    options.dpi = dpi;
    const QString base = dir_.filePath(QStringLiteral("fig-%1")
                                           .arg(QTest::currentDataTag())
                                           .replace(QLatin1Char(' '), QLatin1Char('_'))
                                           .remove(QLatin1Char(',')));

    QString error;
    QVERIFY2(exportFigure(&view, base + QStringLiteral(".pdf"), options, &error), qPrintable(error));
    QFile pdf(base + QStringLiteral(".pdf"));
    QVERIFY(pdf.open(QIODevice::ReadOnly));
    QVERIFY(pdf.read(4) == "%PDF");

    QVERIFY2(exportFigure(&view, base + QStringLiteral(".svg"), options, &error), qPrintable(error));
    QVERIFY(isWellFormedSvg(base + QStringLiteral(".svg")));

    QVERIFY2(exportFigure(&view, base + QStringLiteral(".png"), options, &error), qPrintable(error));
    const QImage png(base + QStringLiteral(".png"));
    QVERIFY(!png.isNull());
    const double wIn = inches ? width : width / 2.54, hIn = inches ? height : height / 2.54;
    QCOMPARE(png.width(), qRound(wIn * dpi));
    QVERIFY(std::abs(png.height() - qRound(hIn * dpi)) <= 2);
    QCOMPARE(qRound(png.dotsPerMeterX() * 0.0254), dpi);
}

void TestFigureExport::unknownExtensionIsRefused()
{
    HistogramView view;
    fill(view);
    QString error;
    QVERIFY(!exportFigure(&view, dir_.filePath(QStringLiteral("x.bmpx")), FigureOptions(), &error));
    QVERIFY(error.contains(QStringLiteral("x.bmpx")));
}

void TestFigureExport::screenPlotIsUnchangedAfterExport()
{
    RocView view;
    view.resize(600, 400);
    RocCurve curve;
    curve.fpr = {0, 0.1, 1};
    curve.tpr = {0, 0.9, 1};
    curve.threshold = {INFINITY, 1, 0};
    view.showCurves(QStringLiteral("Energy"), {{QStringLiteral("ood"), Qt::red, curve, 0.9}});
    const QFont before = view.xAxis->labelFont();
    QVERIFY(exportFigure(&view, dir_.filePath(QStringLiteral("roc.pdf")), FigureOptions()));
    QCOMPARE(view.xAxis->labelFont(), before);
    QCOMPARE(view.size(), QSize(600, 400));
}

void TestFigureExport::cliFiguresWritesEveryFormat()
{
    const QString out = dir_.filePath(QStringLiteral("cli"));
    QProcess cli;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("QT_QPA_PLATFORM")); // the command must pick offscreen by itself
    cli.setProcessEnvironment(env);
    cli.start(QStringLiteral(OODLENS_CLI),
              {QStringLiteral("figures"), QStringLiteral("--demo"), QStringLiteral("--methods"),
               QStringLiteral("energy,gradnorm"), QStringLiteral("--dpi"), QStringLiteral("100"),
               QStringLiteral("--out"), out});
    QVERIFY(cli.waitForFinished(180000));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
    for (const char* method : {"energy", "gradnorm"})
        for (const char* kind : {"histogram", "roc", "pr", "panels"}) {
            const QString base =
                QDir(out).filePath(QStringLiteral("%1-%2").arg(QLatin1String(method), QLatin1String(kind)));
            QFile pdf(base + QStringLiteral(".pdf"));
            QVERIFY2(pdf.open(QIODevice::ReadOnly), qPrintable(base));
            QVERIFY(pdf.read(4) == "%PDF");
            QVERIFY(isWellFormedSvg(base + QStringLiteral(".svg")));
            // Panels take the width of the page.
            const double cm = QLatin1String(kind) == QLatin1String("panels") ? 17.5 : 8.5;
            QCOMPARE(QImage(base + QStringLiteral(".png")).width(), qRound(cm / 2.54 * 100));
        }
    for (const char* overlay : {"overlay-roc", "overlay-pr"})
        QVERIFY(isWellFormedSvg(QDir(out).filePath(QLatin1String(overlay) + QStringLiteral(".svg"))));
    // No window title in the files by default; --titles keeps them.
    QVERIFY(!svgTexts(QDir(out).filePath(QStringLiteral("energy-roc.svg"))).join(QLatin1Char(' ')).contains(QStringLiteral("ROC of")));
    QProcess titled;
    titled.start(QStringLiteral(OODLENS_CLI),
                 {QStringLiteral("figures"), QStringLiteral("--demo"), QStringLiteral("--methods"), QStringLiteral("energy"),
                  QStringLiteral("--kinds"), QStringLiteral("roc"), QStringLiteral("--formats"), QStringLiteral("svg"),
                  QStringLiteral("--titles"), QStringLiteral("--legend"), QStringLiteral("top-left"),
                  QStringLiteral("--font"), QStringLiteral("DejaVu Serif"), QStringLiteral("--out"), out + QStringLiteral("-t")});
    QVERIFY(titled.waitForFinished(180000));
    QVERIFY2(titled.exitCode() == 0, titled.readAllStandardError().constData());
    const QString titledSvg = QDir(out + QStringLiteral("-t")).filePath(QStringLiteral("energy-roc.svg"));
    QVERIFY(svgTexts(titledSvg).join(QLatin1Char(' ')).contains(QStringLiteral("ROC of")));
    QVERIFY(svgFontFamilies(titledSvg) == std::set<QString>{concreteFontFamily(QStringLiteral("DejaVu Serif"))});
    QVERIFY(!QFile::exists(QDir(out + QStringLiteral("-t")).filePath(QStringLiteral("energy-histogram.svg"))));
    QProcess badLegend;
    badLegend.start(QStringLiteral(OODLENS_CLI), {QStringLiteral("figures"), QStringLiteral("--demo"),
                                                  QStringLiteral("--legend"), QStringLiteral("middle"),
                                                  QStringLiteral("--out"), out});
    QVERIFY(badLegend.waitForFinished(30000));
    QCOMPARE(badLegend.exitCode(), 2);
    QVERIFY(badLegend.readAllStandardError().contains("top-right"));
    QProcess bad;
    bad.start(QStringLiteral(OODLENS_CLI), {QStringLiteral("figures"), QStringLiteral("--out"), out});
    QVERIFY(bad.waitForFinished(30000));
    QCOMPARE(bad.exitCode(), 2);
    QVERIFY(bad.readAllStandardError().contains("--model"));
}

void TestFigureExport::overlayOf17MethodsShowsEveryCurve()
{
    // The window's overlay: 17 methods. The exported figure once had a plot area of zero height,
    // the legend above it taking all the room.
    RocView view;
    view.resize(500, 350);
    const std::vector<RocSeries> series = manyRocCurves(17);
    view.showCurves(QStringLiteral("Method 0 + 16 more"), series);
    FigureOptions options; // one column, 8.5 cm x 6 cm
    options.dpi = 150;
    const QString png = dir_.filePath(QStringLiteral("overlay17.png"));
    FigureReport report;
    QString error;
    QVERIFY2(exportFigure(&view, png, options, &error, &report), qPrintable(error));
    QCOMPARE(int(report.panels.size()), 1);
    const FigureReport::Panel& panel = report.panels.front();
    QVERIFY2(panel.axisRect.height() > report.size.height() / 2,
             qPrintable(QStringLiteral("plot area %1 px high of %2").arg(panel.axisRect.height()).arg(report.size.height())));
    QCOMPARE(panel.plottables, 18); // 17 curves and the chance diagonal
    QCOMPARE(panel.legendEntries + panel.legendOmitted, 17);
    QVERIFY(!panel.legendRect.intersects(panel.axisRect));

    // Every method's colour is drawn inside the plot area of the file.
    const QImage image = QImage(png).convertToFormat(QImage::Format_RGB32);
    const QRect area = scaled(panel.axisRect, 150.0 / 96.0).adjusted(2, 2, -2, -2);
    for (int m = 0; m < 17; ++m) {
        const int n = pixelsNear(image, area, series[std::size_t(m)].color);
        QVERIFY2(n > 30, qPrintable(QStringLiteral("method %1: %2 pixels of its colour").arg(m).arg(n)));
    }
    // And the PDF of the same figure draws it too (rasterised with poppler when it is there).
    const QString pdf = dir_.filePath(QStringLiteral("overlay17.pdf"));
    QVERIFY(exportFigure(&view, pdf, options, &error, &report));
    QCOMPARE(report.panels.front().axisRect, panel.axisRect);
}

void TestFigureExport::methodsNeverShareColourAndLineStyle()
{
    std::set<std::tuple<QRgb, int>> looks;
    for (int m = 0; m < kDistinctMethodLooks; ++m) {
        const MethodLook look = methodLook(m);
        QVERIFY2(looks.insert({look.color.rgb(), int(look.style)}).second, qPrintable(QString::number(m)));
    }
    // The first eight are the Okabe-Ito colours, solid.
    std::set<QRgb> first;
    for (int m = 0; m < 8; ++m) {
        QCOMPARE(methodLook(m).style, Qt::SolidLine);
        first.insert(methodLook(m).color.rgb());
    }
    std::set<QRgb> palette;
    for (int i = 0; i < 8; ++i)
        palette.insert(okabeItoColor(i).rgb());
    QVERIFY(first == palette);

    // The curves of an overlay of 17 methods on two OOD sets: one look per method (the same on
    // both sets), distinct across methods; the OOD sets told apart by markers.
    const RunResult result = syntheticResult(17, 2);
    const CurveSet curves = curveSeriesOf(result, result.methods);
    QCOMPARE(int(curves.roc.size()), 34);
    std::map<std::string, std::tuple<QRgb, int>> byMethod;
    std::set<std::tuple<QRgb, int>> distinct;
    for (std::size_t i = 0; i < curves.roc.size(); ++i) {
        const auto& [method, ood] = curves.keys[i];
        const std::tuple<QRgb, int> look{curves.roc[i].color.rgb(), int(curves.roc[i].style)};
        if (byMethod.count(method))
            QVERIFY(byMethod[method] == look);
        byMethod[method] = look;
        distinct.insert(look);
        QCOMPARE(curves.roc[i].marker, oodMarker(int(ood) - 1));
    }
    QCOMPARE(int(distinct.size()), 17);
    QVERIFY(oodMarker(0) != oodMarker(1));
}

void TestFigureExport::windowLegendOfManyCurvesStaysShort()
{
    RocView view;
    view.resize(500, 350);
    view.showCurves(QStringLiteral("Method 0 + 16 more"), manyRocCurves(17));
    view.replot();
    QCOMPARE(int(legendEntries(view.legend).size()), CurvePlot::kMaxLegendEntries);
    auto* more = qobject_cast<TextLegendItem*>(legendEntries(view.legend).last());
    QVERIFY(more);
    QCOMPARE(more->text(), moreEntriesText(17 - CurvePlot::kMaxLegendEntries + 1));
    QVERIFY(view.toolTip().contains(QStringLiteral("Method 16")));
    QVERIFY2(view.axisRect()->height() > 350 / 2, qPrintable(QString::number(view.axisRect()->height())));
    // A short plot (the window at 1024 x 700) keeps one row of legend; taller again, three.
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.resize(500, 190);
    view.replot();
    QCOMPARE(int(legendEntries(view.legend).size()), 2);
    QVERIFY2(view.axisRect()->height() > 190 / 3, qPrintable(QString::number(view.axisRect()->height())));
    view.resize(500, 350);
    QCOMPARE(int(legendEntries(view.legend).size()), CurvePlot::kMaxLegendEntries);
    // Back to a few curves: the whole legend again.
    view.showCurves(QStringLiteral("Method 0"), manyRocCurves(2));
    QCOMPARE(int(legendEntries(view.legend).size()), 2);
    QVERIFY(view.toolTip().isEmpty());
}

void TestFigureExport::pdfEmbedsItsFontsAndSvgNamesThem()
{
    HistogramView view;
    view.resize(800, 500);
    fill(view);
    for (const QString& family : {QString(), QStringLiteral("DejaVu Serif")}) {
        FigureOptions options;
        options.fontFamily = family;
        const QString base = dir_.filePath(QStringLiteral("fonts-%1").arg(family.isEmpty() ? QStringLiteral("default") : QStringLiteral("serif")));
        FigureReport report;
        QVERIFY(exportFigure(&view, base + QStringLiteral(".pdf"), options, nullptr, &report));
        const QString expected = family.isEmpty() ? defaultFigureFontFamily() : concreteFontFamily(family);
        QCOMPARE(report.fontFamily, expected);
        std::vector<std::pair<QString, bool>> fonts;
        QString why;
        QVERIFY2(pdfFonts(base + QStringLiteral(".pdf"), &fonts, &why), qPrintable(why));
        QVERIFY(!fonts.empty());
        for (const auto& [name, embedded] : fonts) {
            QVERIFY2(embedded, qPrintable(name + QStringLiteral(" is not embedded")));
            // Subset names look like ABCDEF+DejaVuSerif; the family has no spaces there.
            QVERIFY2(name.contains(QString(expected).remove(QLatin1Char(' '))), qPrintable(name));
        }
        QVERIFY(exportFigure(&view, base + QStringLiteral(".svg"), options));
        const std::set<QString> families = svgFontFamilies(base + QStringLiteral(".svg"));
        QVERIFY(families == std::set<QString>{expected});
    }
}

void TestFigureExport::noWindowTitleOrNoteUnlessAsked()
{
    // More points than the window draws: the view shows a "drawn: <= 2500 of N points" note.
    RocView view;
    view.resize(600, 400);
    RocCurve curve;
    for (int i = 0; i <= 6000; ++i) {
        curve.fpr.push_back(i / 6000.0);
        curve.tpr.push_back(std::sqrt(i / 6000.0));
        curve.threshold.push_back(1 - i / 6000.0);
    }
    view.showCurves(QStringLiteral("Energy"), {{QStringLiteral("ood"), Qt::red, curve, 0.9}});
    QVERIFY(!view.note().isEmpty());
    QVERIFY(view.title().contains(QStringLiteral("ROC of Energy")));

    const QString plain = dir_.filePath(QStringLiteral("plain.svg"));
    QVERIFY(exportFigure(&view, plain, FigureOptions()));
    const QString text = svgTexts(plain).join(QLatin1Char(' '));
    QVERIFY2(text.contains(QStringLiteral("AUROC")), qPrintable(text)); // the legend is there
    QVERIFY2(!text.contains(QStringLiteral("ROC of")), qPrintable(text));
    QVERIFY2(!text.contains(QStringLiteral("drawn")), qPrintable(text));

    FigureOptions asked;
    asked.titles = asked.notes = true;
    const QString annotated = dir_.filePath(QStringLiteral("annotated.svg"));
    QVERIFY(exportFigure(&view, annotated, asked));
    const QString all = svgTexts(annotated).join(QLatin1Char(' '));
    QVERIFY2(all.contains(QStringLiteral("ROC of Energy")), qPrintable(all));
    QVERIFY2(all.contains(QStringLiteral("drawn")), qPrintable(all));
}

void TestFigureExport::legendPositionIsHonoured_data()
{
    QTest::addColumn<int>("placement");
    for (const LegendPlacementName& n : legendPlacements())
        QTest::newRow(n.name) << int(n.placement);
}

void TestFigureExport::legendPositionIsHonoured()
{
    QFETCH(int, placement);
    const auto asked = LegendPlacement(placement);
    RocView view;
    view.resize(600, 400);
    view.showCurves(QStringLiteral("Energy"), manyRocCurves(3));
    FigureOptions options;
    options.legend = asked;
    FigureReport report;
    QVERIFY(exportFigure(&view, dir_.filePath(QStringLiteral("legend-%1.svg").arg(placement)), options, nullptr, &report));
    const FigureReport::Panel& p = report.panels.front();
    const QRect a = p.axisRect, l = p.legendRect;
    const int slack = 12;
    switch (asked) {
    case LegendPlacement::None:
        QVERIFY(l.isEmpty());
        QCOMPARE(p.legendEntries, 0);
        return;
    case LegendPlacement::Auto: // an ROC's empty corner
        QCOMPARE(p.legend, LegendPlacement::BottomRight);
        break;
    default:
        QCOMPARE(p.legend, asked);
    }
    QCOMPARE(p.legendEntries, 3);
    switch (p.legend) {
    case LegendPlacement::TopRight:
        QVERIFY(a.contains(l) && l.top() - a.top() < slack && a.right() - l.right() < slack);
        break;
    case LegendPlacement::TopLeft:
        QVERIFY(a.contains(l) && l.top() - a.top() < slack && l.left() - a.left() < slack);
        break;
    case LegendPlacement::BottomRight:
        QVERIFY(a.contains(l) && a.bottom() - l.bottom() < slack && a.right() - l.right() < slack);
        break;
    case LegendPlacement::BottomLeft:
        QVERIFY(a.contains(l) && a.bottom() - l.bottom() < slack && l.left() - a.left() < slack);
        break;
    case LegendPlacement::Outside:
        QVERIFY(l.left() > a.right());
        break;
    case LegendPlacement::Above:
        QVERIFY(l.bottom() < a.top());
        break;
    default:
        QFAIL("unexpected placement");
    }
}

void TestFigureExport::autoLegendLeavesCurvesBelowTheDiagonalVisible()
{
    // Scores of the wrong orientation (AUROC < 50 %): the curves run along the bottom and the right
    // edge, where an ROC's legend usually goes. The legend moves to the corner they leave empty.
    std::vector<RocSeries> series = manyRocCurves(3);
    for (std::size_t m = 0; m < series.size(); ++m)
        for (std::size_t i = 0; i < series[m].curve.fpr.size(); ++i)
            series[m].curve.tpr[i] = std::pow(series[m].curve.fpr[i], 12.0 + double(m));
    RocView view;
    view.resize(600, 400);
    view.showCurves(QStringLiteral("flipped"), series);
    FigureReport report;
    QVERIFY(exportFigure(&view, dir_.filePath(QStringLiteral("legend-flipped.svg")), FigureOptions(), nullptr, &report));
    QCOMPARE(report.panels.front().legend, LegendPlacement::TopLeft);
    // Curves above the diagonal keep the usual corner.
    view.showCurves(QStringLiteral("usual"), manyRocCurves(3));
    FigureReport usual;
    QVERIFY(exportFigure(&view, dir_.filePath(QStringLiteral("legend-usual.svg")), FigureOptions(), nullptr, &usual));
    QCOMPARE(usual.panels.front().legend, LegendPlacement::BottomRight);
}

void TestFigureExport::rocAndPrPlotAreasAreSquare()
{
    RocView roc;
    PrView pr;
    HistogramView histogram;
    roc.resize(600, 400);
    pr.resize(600, 400);
    histogram.resize(600, 400);
    roc.showCurves(QStringLiteral("Energy"), manyRocCurves(2));
    fill(histogram);
    for (const FigureSize& size : {FigureSize::oneColumn(), FigureSize::twoColumn(), FigureSize{8, 12, FigureSize::Unit::Cm}}) {
        FigureOptions options;
        options.size = size;
        for (QCustomPlot* plot : std::initializer_list<QCustomPlot*>{&roc, &pr}) {
            FigureReport report;
            QVERIFY(exportFigure(plot, dir_.filePath(QStringLiteral("square.pdf")), options, nullptr, &report));
            const QRect a = report.panels.front().axisRect;
            QVERIFY2(a.width() == a.height() && a.height() > 100,
                     qPrintable(QStringLiteral("%1 x %2").arg(a.width()).arg(a.height())));
        }
        FigureReport report;
        QVERIFY(exportFigure(&histogram, dir_.filePath(QStringLiteral("wide.pdf")), options, nullptr, &report));
        const QRect h = report.panels.front().axisRect;
        QVERIFY(h.width() != h.height()); // only the curves are squared
    }
    FigureOptions free;
    free.squareCurves = false;
    FigureReport report;
    QVERIFY(exportFigure(&roc, dir_.filePath(QStringLiteral("free.pdf")), free, nullptr, &report));
    QVERIFY(report.panels.front().axisRect.width() > report.panels.front().axisRect.height());
}

void TestFigureExport::panelsSitSideBySide()
{
    HistogramView histogram;
    RocView roc;
    PrView pr;
    fill(histogram);
    roc.showCurves(QStringLiteral("Energy"), manyRocCurves(2));
    FigureOptions options;
    options.size = FigureSize::panelRow();
    FigureReport report;
    QString error;
    QVERIFY2(exportPanels({&histogram, &roc, &pr}, dir_.filePath(QStringLiteral("panels.pdf")), options, &error, &report),
             qPrintable(error));
    QCOMPARE(int(report.panels.size()), 3);
    QCOMPARE(report.panels[0].heading, QStringLiteral("(a)"));
    QCOMPARE(report.panels[1].heading, QStringLiteral("(b)"));
    QCOMPARE(report.panels[2].heading, QStringLiteral("(c)"));
    for (std::size_t i = 0; i < 3; ++i) {
        const QRect a = report.panels[i].axisRect;
        QVERIFY2(a.height() > report.size.height() / 2, qPrintable(QString::number(a.height())));
        if (i > 0)
            QVERIFY(a.left() > report.panels[i - 1].axisRect.right());
    }
    QCOMPARE(report.panels[1].axisRect.width(), report.panels[1].axisRect.height());
}

QTEST_MAIN(TestFigureExport)
#include "test_figureexport.moc"
