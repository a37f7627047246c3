// SPDX-License-Identifier: GPL-3.0-or-later
// Figures export as valid files: PDF (starts with %PDF), SVG (well-formed XML with an <svg> root),
// PNG (round(width in inches x dpi) pixels wide), at one- and two-column sizes, offscreen; the
// `oodlens-cli figures` command writes the same for every method, headless.
#include "plots/FigureExport.h"
#include "plots/HistogramView.h"
#include "plots/RocView.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

#include <cmath>

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

} // namespace

class TestFigureExport : public QObject {
    Q_OBJECT

private slots:
    void pdfSvgPngAreValid_data();
    void pdfSvgPngAreValid();
    void unknownExtensionIsRefused();
    void screenPlotIsUnchangedAfterExport();
    void cliFiguresWritesEveryFormat();

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
        for (const char* kind : {"histogram", "roc"}) {
            const QString base =
                QDir(out).filePath(QStringLiteral("%1-%2").arg(QLatin1String(method), QLatin1String(kind)));
            QFile pdf(base + QStringLiteral(".pdf"));
            QVERIFY2(pdf.open(QIODevice::ReadOnly), qPrintable(base));
            QVERIFY(pdf.read(4) == "%PDF");
            QVERIFY(isWellFormedSvg(base + QStringLiteral(".svg")));
            QCOMPARE(QImage(base + QStringLiteral(".png")).width(), qRound(8.5 / 2.54 * 100));
        }
    QProcess bad;
    bad.start(QStringLiteral(OODLENS_CLI), {QStringLiteral("figures"), QStringLiteral("--out"), out});
    QVERIFY(bad.waitForFinished(30000));
    QCOMPARE(bad.exitCode(), 2);
    QVERIFY(bad.readAllStandardError().contains("--model"));
}

QTEST_MAIN(TestFigureExport)
#include "test_figureexport.moc"
