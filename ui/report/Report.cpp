// SPDX-License-Identifier: GPL-3.0-or-later
#include "report/Report.h"

#include "io/Export.h"

#include "common/Error.h"
#include "common/Progress.h"
#include "docks/MethodLabels.h"
#include "factors/FactorCharts.h"
#include "factors/FactorTable.h"
#include "io/TextEscape.h"
#include "methods/Scores.h"
#include "metrics/MetricColumns.h"
#include "metrics/ThresholdIndex.h"
#include "metrics/ThresholdPresets.h"
#include "plots/HistogramView.h"
#include "plots/PlotSeries.h"
#include "plots/RocView.h"
#include "run/Pipeline.h"

#include <QBuffer>
#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QMarginsF>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QTemporaryDir>
#include <QTextDocument>
#include <QUrl>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <sstream>

namespace oodlens::ui {
namespace {

namespace fs = std::filesystem;

// One figure of the report: drawn once, kept as the PNG the HTML and the PDF embed and as the PDF
// and SVG files of figures/.
struct Figure {
    std::string file;    // base name in figures/
    std::string caption; // HTML
    FigureSize size;
    QByteArray png, pdf, svg;
    bool wide = false; // takes a row of the page to itself
};

// Draws `plot` at `size` in the three formats through exportFigure (the GUI's export).
Figure render(QCustomPlot& plot, const std::string& file, const std::string& caption, const FigureSize& size,
              const ReportOptions& options, const QString& scratch, bool wide = false,
              LegendPlacement legend = LegendPlacement::Auto)
{
    Figure f{file, caption, size, {}, {}, {}, wide};
    FigureOptions o = options.figures;
    o.size = size;
    if (legend != LegendPlacement::Auto)
        o.legend = legend;
    o.dpi = options.imageDpi;
    // The widget sized like the figure, so that its layout on screen and in the file agree.
    plot.resize(qRound(size.widthInches() * 96), qRound(size.heightInches() * 96));
    plot.replot();
    for (const char* ext : {"png", "pdf", "svg"}) {
        const QString path = QDir(scratch).filePath(QString::fromStdString(file) + QLatin1Char('.') + QLatin1String(ext));
        QString error;
        if (!exportFigure(&plot, path, o, &error))
            throw Error("cannot draw the figure " + file + "." + ext + ": " + error.toStdString());
        QFile in(path);
        if (!in.open(QIODevice::ReadOnly))
            throw Error("cannot read back the figure " + file + "." + ext);
        QByteArray& bytes = std::string(ext) == "png" ? f.png : std::string(ext) == "pdf" ? f.pdf : f.svg;
        bytes = in.readAll();
        if (bytes.isEmpty())
            throw Error("the figure " + file + "." + ext + " came out empty");
    }
    return f;
}

// A RunResult holding what the histograms and the ROC of one analysis draw: the gradient score and
// the best member (scored from the kept features with its exponent) on the ID set and this OOD set,
// with their metrics. The same functions as the window's plots then build the series.
struct ScoreView {
    RunResult result;
    std::string gradient, best; // methods in result (best empty when there is none)
};


ScoreView scoreView(const RunResult& r, const FactorAnalysis& a, const ProgressSink* cancel)
{
    ScoreView v;
    RunResult& s = v.result;
    s.config = r.config;
    s.datasets = r.datasets;
    s.idIndex = r.idIndex;
    s.oodIndices = {a.oodIndex};
    s.features = r.features;
    s.head = r.head;
    s.model = r.model;
    s.preprocess = r.preprocess;
    s.params = r.params;
    s.classNames = r.classNames;
    const auto id = static_cast<std::size_t>(r.idIndex);
    v.gradient = a.gradientMethod;
    s.methods.push_back(v.gradient);
    if (a.best >= 0) {
        const FamilyMember& m = a.family.at(std::size_t(a.best)).member;
        v.best = m.method();
        s.params = familyMemberParams(m, a.gradientMethod, r.params); // as its cell was computed
        s.methods.push_back(v.best);
    }
    for (const std::string& m : s.methods) {
        std::vector<std::vector<double>>& table = s.scores[m];
        table.resize(r.datasets.size());
        for (std::size_t d : {id, a.oodIndex}) {
            // The gradient score as the run scored it (computed when only its autograd variant was);
            // the best member at its exponent, from the kept features.
            const std::vector<double>& kept = r.scoresOf(m, d);
            table[d] = m == v.gradient && !kept.empty() ? kept
                                                         : computeScores(m, *r.features.at(d), r.head,
                                                                         m == v.gradient ? r.params : s.params);
        }
    }
    s.metrics = metricsRows(s.methods, s.scores, id, {{a.oodIndex, r.datasets.at(a.oodIndex).name}}, 0, 0, cancel,
                            [](std::size_t, const std::string&, const std::string&) {});
    return v;
}

std::string h(const std::string& text) { return htmlText(text); }

std::string numberText(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

const char* const kCss = R"(
body { font-family: 'DejaVu Sans', 'Helvetica', 'Arial', sans-serif; font-size: 10pt; color: #1a1a1a; }
p, li, div.verdict { line-height: 1.35; }
h1 { font-size: 17pt; margin: 0 0 0.2em 0; }
h2 { font-size: 13pt; margin: 1.4em 0 0.4em 0; border-bottom: 1px solid #999; }
h3 { font-size: 11pt; margin: 1em 0 0.3em 0; }
p.meta { color: #555; margin: 0 0 1em 0; }
p.note, p.caption { color: #444; font-size: 8.5pt; }
table { border-collapse: collapse; margin: 0.4em 0 0.6em 0; }
th, td { border: 1px solid #bbb; padding: 2px 5px; vertical-align: top; }
th { background-color: #eceff3; text-align: left; font-weight: bold; }
td.num { text-align: right; white-space: nowrap; }
span.ci { color: #555; font-size: 85%; }
td.path { font-family: 'DejaVu Sans Mono', monospace; font-size: 8pt; }
tr.best td { background-color: #fdf6e3; }
table.figures, table.figures td { border: none; padding: 0 8px 4px 0; }
div.verdict { background-color: #eef5ee; border-left: 4px solid #3a7d44; padding: 4px 8px; margin: 0.4em 0; }
ul.verdicts li { margin-bottom: 0.3em; }
)";
// A browser window: one readable column in the middle.
const char* const kBrowserCss = R"(
body { max-width: 62em; margin: 1.5em auto; padding: 0 1em; }
)";
// The PDF's A4 text column is narrower than a browser window: smaller tables.
const char* const kPdfCss = R"(
body { font-size: 9pt; }
table { font-size: 7.5pt; }
td.path { font-size: 6.5pt; }
p.note, p.caption { font-size: 7.5pt; }
)";

// The parts of the report, in order, as HTML. `image(i)` is the src of figure i.
class HtmlBuilder {
public:
    HtmlBuilder(const RunResult& r, const FactorReport& f) : r_(r), f_(f) {}

    // `pdf`: the variant QTextDocument lays out on A4 (its own CSS, figures at their printed size);
    // else the browser's (figures shown larger, the PNGs have the pixels for it).
    std::string build(const std::vector<std::vector<Figure>>& figures, const std::function<std::string(std::size_t)>& image,
                      bool pdf)
    {
        figureScale_ = pdf ? 1.0 : 1.25;
        std::ostringstream o;
        const std::string model = fs::path(r_.model.path.empty() ? r_.config.modelPath : r_.model.path).filename().string();
        o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
          << h("Are gradients needed? " + model) << "</title>\n<style>" << kCss << (pdf ? kPdfCss : kBrowserCss) << "</style>\n</head>\n<body>\n";
        o << "<h1>Are gradients needed?</h1>\n<p class=\"meta\">OOD Lens factor analysis of " << h(model) << ", "
          << dateText() << ". Gradient scores against their own factors and the non-gradient family "
          << "\u2016h\u2016<sub>q</sub><sup>a</sup> \u00d7 \u03c6(z) (Igoe et al. 2022).</p>\n";
        verdicts(o);
        modelAndData(o);
        metrics(o);
        std::size_t index = 0;
        for (std::size_t i = 0; i < f_.analyses.size(); ++i)
            analysis(o, f_.analyses[i], i < figures.size() ? figures[i] : std::vector<Figure>(), index, image);
        costs(o);
        reading(o);
        o << "</body>\n</html>\n";
        return o.str();
    }

private:
    static std::string dateText()
    {
        const std::time_t t = std::time(nullptr);
        char buf[40];
        std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
        return buf;
    }

    void verdicts(std::ostringstream& o) const
    {
        o << "<h2>Verdicts</h2>\n<ul class=\"verdicts\">\n";
        for (const FactorAnalysis& a : f_.analyses)
            o << "<li><b>" << h(a.gradientLabel) << ", " << h(a.ood) << ":</b> " << h(a.verdict) << "</li>\n";
        o << "</ul>\n";
        for (const std::string& w : f_.warnings)
            o << "<p class=\"note\">Note: " << h(w) << "</p>\n";
    }

    void modelAndData(std::ostringstream& o) const
    {
        const ModelInfo& m = r_.model;
        o << "<h2>Model and datasets</h2>\n<table width=\"100%\">\n";
        auto row = [&](const char* key, const std::string& value, bool path = false) {
            o << "<tr><th>" << key << "</th><td" << (path ? " class=\"path\"" : "") << ">" << h(value) << "</td></tr>\n";
        };
        row("Model", m.path.empty() ? r_.config.modelPath : m.path, true);
        if (!m.sha256.empty())
            row("SHA-256", m.sha256, true);
        std::string classes = std::to_string(m.classes);
        if (!r_.classNames.empty()) {
            classes += ": ";
            for (std::size_t i = 0; i < r_.classNames.size() && i < 20; ++i)
                classes += (i ? ", " : "") + r_.classNames[i];
            if (r_.classNames.size() > 20)
                classes += ", ... (" + std::to_string(r_.classNames.size() - 20) + " more)";
            if (!r_.classNamesSource.empty())
                classes += " (from " + r_.classNamesSource + ")";
        }
        row("Classes", classes);
        row("Features", std::to_string(m.featureDim) + " dimensions" + (m.featureSource.empty() ? "" : ", " + m.featureSource) +
                            (m.headName.empty() ? "" : "; head: " + m.headName));
        row("Preprocessing", r_.preprocess.describe() +
                                 (r_.preprocess.presetName.empty() ? "" : " (preset " + r_.preprocess.presetName + ")"));
        row("Device", m.device.empty() ? r_.config.device : m.device);
        o << "</table>\n<table width=\"100%\">\n<thead><tr><th>Role</th><th>Name</th><th>Path</th><th>Format</th>"
             "<th>Images scored</th><th>Skipped</th></tr></thead>\n<tbody>\n";
        for (const DatasetSummary& d : r_.datasets) {
            o << "<tr><td>" << datasetRoleName(d.role) << "</td><td>" << h(d.name) << "</td><td class=\"path\">"
              << h(d.path) << "</td><td>" << h(d.kind) << "</td><td class=\"num\">" << d.rows << "</td><td class=\"num\">"
              << d.skipped << "</td></tr>\n";
            if (!d.ok())
                o << "<tr><td></td><td colspan=\"5\">" << h(d.error) << "</td></tr>\n";
        }
        o << "</tbody>\n</table>\n";
    }

    void metrics(std::ostringstream& o) const
    {
        const std::vector<MetricColumn>& columns = metricColumns();
        const std::vector<std::vector<bool>> best = bestPerOodSet(r_.metrics);
        o << "<h2>Metrics</h2>\n<p class=\"note\">Every method of the run on the whole sets, percent; the best per "
             "OOD set and column in bold. FPR@95 (ID+): OOD accepted at 95 % ID TPR; FPR@95 (OOD+): ID flagged at "
             "95 % OOD TPR.</p>\n<table class=\"metrics\" width=\"100%\">\n<thead><tr><th>Method</th><th>OOD</th>";
        for (const MetricColumn& c : columns)
            o << "<th>" << h(c.label) << "</th>";
        o << "</tr></thead>\n<tbody>\n";
        for (std::size_t i = 0; i < r_.metrics.size(); ++i) {
            const MetricsRow& row = r_.metrics[i];
            o << "<tr><td>" << htmlScoreLabel(row.label.empty() ? methodLabel(row.method) : row.label) << "</td><td>"
              << h(row.ood) << "</td>";
            for (std::size_t c = 0; c < columns.size(); ++c) {
                const double v = columns[c].of(row.metrics);
                std::string cell = std::isnan(v) ? "n/a" : percentText(v);
                if (row.hasIntervals) {
                    const Interval ci = columns[c].of(row.intervals);
                    cell += " (" + percentText(ci.lo) + "\u2013" + percentText(ci.hi) + ")";
                }
                o << "<td class=\"num\">" << (best[i][c] ? "<b>" + cell + "</b>" : cell) << "</td>";
            }
            o << "</tr>\n";
        }
        o << "</tbody>\n</table>\n";
    }

    std::string splitText(const FactorAnalysis& a) const
    {
        const FactorSplit& s = f_.options.split;
        std::ostringstream t;
        if (s.kind == FactorSplit::Kind::Seeded) {
            t << "The best member is the family member of highest AUROC on a seeded validation part ("
              << numberText(100 * s.validationFraction) << " % of each set, split seed " << s.seed
              << "); every metric below is on the rest, the test part (" << a.gradient.test.n_id << " ID and "
              << a.gradient.test.n_ood << " OOD images).";
        } else {
            t << "The best member is the family member of highest AUROC on the validation pair " << s.validationId
              << " (ID) against " << s.validationOod << " (OOD); every metric below is on " << a.ood
              << " against the ID set in full (" << a.gradient.test.n_id << " ID and " << a.gradient.test.n_ood
              << " OOD images).";
        }
        return t.str();
    }

    void analysis(std::ostringstream& o, const FactorAnalysis& a, const std::vector<Figure>& figures,
                  std::size_t& index, const std::function<std::string(std::size_t)>& image) const
    {
        o << "<h2 style=\"page-break-before: always\">" << h(a.gradientLabel) << " against its factors: " << h(a.ood)
          << "</h2>\n";
        o << "<div class=\"verdict\">" << h(a.verdict) << "</div>\n";
        o << "<p>" << h(splitText(a));
        if (f_.options.resamples > 0)
            o << " Differences are score \u2212 " << h(a.gradientLabel)
              << " in percentage points with a 95 % paired bootstrap interval (" << f_.options.resamples
              << " resamples, seed " << f_.options.seed << "); p is DeLong's test of the AUROC difference.";
        else
            o << " Differences are score \u2212 " << h(a.gradientLabel)
              << " in percentage points (no bootstrap: --resamples 0); p is DeLong's test of the AUROC difference.";
        if (a.haveAutograd) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.2g", a.autogradMaxRelativeDifference);
            o << " The closed form agrees with the autograd variant to a relative difference of at most " << buf << ".";
        }
        o << "</p>\n";
        if (!a.note.empty())
            o << "<p class=\"note\">" << h(a.note) << "</p>\n";
        o << factorTableHtml(a);
        if (figures.empty()) {
            return;
        }
        o << "<table class=\"figures\">\n";
        auto cell = [&](const Figure& f, bool spanning) {
            const int w = qRound(f.size.widthInches() * 96 * figureScale_);
            const int hgt = qRound(f.size.heightInches() * 96 * figureScale_);
            o << "<td" << (spanning ? " colspan=\"2\"" : "") << "><img src=\"" << image(index++) << "\" width=\"" << w
              << "\" height=\"" << hgt << "\" alt=\"" << h(f.file) << "\"><p class=\"caption\">" << f.caption
              << "</p></td>";
        };
        for (std::size_t i = 0; i < figures.size();) {
            o << "<tr>";
            if (figures[i].wide) {
                cell(figures[i++], true);
            } else {
                cell(figures[i++], false);
                if (i < figures.size() && !figures[i].wide)
                    cell(figures[i++], false);
            }
            o << "</tr>\n";
        }
        o << "</table>\n";
    }

    void costs(std::ostringstream& o) const
    {
        o << "<h2 style=\"page-break-before: always\">Cost per image</h2>\n<p class=\"note\">Measured on this run "
             "(wall time per image). The full-network backward at batch 1 is a timing probe on a small subset, "
             "as official GradNorm code computes the score; the closed form needs only the forward pass's "
             "features and logits.</p>\n";
        for (std::size_t g = 0; g < f_.costs.size(); ++g) {
            const std::string id = g < f_.gradientMethods.size() ? f_.gradientMethods[g] : std::string();
            o << "<h3>" << h(methodLabel(id, r_.params)) << "</h3>\n<table width=\"100%\">\n<thead><tr><th>Computation</th>"
                 "<th>Per image</th><th>\u00d7 closed form</th><th>Images timed</th></tr></thead>\n<tbody>\n";
            for (const CostRow& c : f_.costs[g])
                o << "<tr><td>" << h(c.what) << "</td><td class=\"num\">" << durationText(c.secondsPerImage)
                  << "</td><td class=\"num\">" << ratioText(c.ratioToClosedForm) << "</td><td class=\"num\">" << c.images
                  << "</td></tr>\n";
            o << "</tbody>\n</table>\n";
        }
        if (f_.costs.empty())
            o << "<p>No cost was measured on this run.</p>\n";
    }

    void reading(std::ostringstream& o) const
    {
        o << "<h2>How to read this report</h2>\n<p>A last-layer gradient score factors into a feature norm "
             "\u2016h\u2016<sub>q</sub> times an output term \u03c6(z) (GradNorm = \u2016h\u2016<sub>1</sub> \u00d7 "
             "\u2016softmax(z/T) \u2212 1/C\u2016<sub>1</sub> / T). The factor table compares the gradient score with "
             "each factor alone and with the best member of the family \u2016h\u2016<sub>q</sub><sup>a</sup> \u00d7 "
             "\u03c6 (q \u2208 {1, 2, \u221e}, a \u2208 {0, \u00bd, 1, 2}, \u03c6 every registered output term). "
             "The best member is chosen on a validation split and reported on the images it was not chosen on, so "
             "that picking the best of many is not reported as if it were chosen blind. A difference whose interval "
             "holds 0 is not significant at 95 %. The family heatmap gives every member's AUROC on the whole sets; "
             "the gradient score's own factors are outlined, the best member starred.</p>\n"
             "<p class=\"note\">Files beside this report: factors.csv (every family member's metrics), factors.json "
             "(every figure of the factor analysis, the comparisons and the verdicts), factors.tex "
             "(the factor tables), scores.csv and run.json (every score, and what produced them), metrics.* and "
             "figures/ (each figure as PDF and SVG).</p>\n";
    }

    const RunResult& r_;
    const FactorReport& f_;
    double figureScale_ = 1;
};

std::string base64Uri(const QByteArray& png)
{
    return "data:image/png;base64," + png.toBase64().toStdString();
}

QByteArray pdfOf(const std::string& html, const std::vector<const Figure*>& figures, const FigureOptions& style)
{
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    {
        QPdfWriter pdf(&buffer);
        pdf.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait, QMarginsF(15, 15, 15, 12),
                                      QPageLayout::Millimeter));
        // 96 dpi: one layout unit is a CSS pixel, as the HTML's image sizes and the fonts' points assume.
        pdf.setResolution(96);
        pdf.setCreator(QStringLiteral("OOD Lens"));
        pdf.setTitle(QStringLiteral("Are gradients needed?"));
        QTextDocument doc;
        doc.setDefaultFont(figureFont(style, 0));
        doc.setDocumentMargin(0);
        for (std::size_t i = 0; i < figures.size(); ++i)
            doc.addResource(QTextDocument::ImageResource, QUrl(QStringLiteral("figure-%1.png").arg(i)),
                            QImage::fromData(figures[i]->png, "PNG"));
        doc.setHtml(QString::fromStdString(html));
        // The text area of each page, less a line at its foot for the page number. (print() would
        // add 2 cm margins of its own inside the page's.)
        const QRect area = pdf.pageLayout().paintRectPixels(pdf.resolution());
        const qreal footer = 22;
        const QSizeF page(area.width(), area.height() - footer);
        doc.setPageSize(page);
        QPainter painter(&pdf);
        QFont numbers = figureFont(style, 0);
        const int pages = doc.pageCount();
        for (int i = 0; i < pages; ++i) {
            if (i > 0)
                pdf.newPage();
            painter.save();
            painter.translate(0, -i * page.height());
            doc.drawContents(&painter, QRectF(0, i * page.height(), page.width(), page.height()));
            painter.restore();
            painter.setFont(numbers);
            painter.setPen(QColor(90, 90, 90));
            painter.drawText(QRectF(0, page.height(), page.width(), footer), Qt::AlignRight | Qt::AlignBottom,
                             QStringLiteral("%1 / %2").arg(i + 1).arg(pages));
        }
    }
    return buffer.data();
}

// The figures of one analysis: the factor chart, the family heatmap, the histograms of the gradient
// score and of the best member, and their ROC curves.
std::vector<Figure> analysisFigures(const RunResult& r, const FactorAnalysis& a, const ReportOptions& options,
                                    const QString& scratch, const ProgressSink* cancel)
{
    std::vector<Figure> out;
    const std::string base = figureFileStem(a.gradientMethod) + "-" + figureFileStem(a.ood) + "-";
    const FigureSize one = options.figures.size;
    // The factor chart and the heatmap across the page: their labels and 72 cells need the width.
    const FigureSize wide = FigureSize::twoColumn();
    const FigureSize chartSize{wide.width, wide.width * 0.32, wide.unit};
    const FigureSize heatmapSize{wide.width, wide.width * 0.46, wide.unit};
    const std::string grad = h(a.gradientLabel), ood = h(a.ood);
    const std::string best = a.best >= 0 ? htmlScoreLabel(a.family[std::size_t(a.best)].member.label()) : std::string();
    {
        FactorChart chart;
        chart.setAnalysis(&a);
        out.push_back(render(chart, base + "factors",
                             "Test-part AUROC with 95 % intervals: " + grad + ", its feature term, its output term and "
                             "the best family member, against " + ood + ".",
                             chartSize, options, scratch, true, LegendPlacement::None));
    }
    throwIfCancelled(cancel);
    {
        FamilyHeatmap heatmap;
        heatmap.setAnalysis(&a);
        out.push_back(render(heatmap, base + "family",
                             "AUROC of every family member on the whole sets; " + grad +
                                 "'s own factors outlined, the best member on the validation part starred.",
                             heatmapSize, options, scratch, true));
    }
    throwIfCancelled(cancel);
    const ScoreView view = scoreView(r, a, cancel);
    const auto id = static_cast<std::size_t>(r.idIndex);
    auto histogram = [&](const std::string& method, const std::string& file, const std::string& caption) {
        HistogramView plot;
        const QString label = methodDisplayLabel(method, view.result.params);
        plot.showScores(label, histogramSeriesOf(view.result, method));
        plot.setThreshold(thresholdAtIdTpr95(view.result, method));
        out.push_back(render(plot, base + file, caption, one, options, scratch));
    };
    histogram(view.gradient, "histogram-gradient",
              "Scores of " + grad + " on the ID set and " + ood + "; the line is the threshold at 95 % ID TPR.");
    if (!view.best.empty())
        histogram(view.best, "histogram-best",
                  "Scores of the best member, " + best + ", on the ID set and " + ood + "; threshold at 95 % ID TPR.");
    throwIfCancelled(cancel);
    {
        RocView roc;
        std::vector<std::string> methods{view.gradient};
        if (!view.best.empty())
            methods.push_back(view.best);
        const CurveSet curves = curveSeriesOf(view.result, methods);
        roc.showCurves(QString::fromStdString(a.ood), curves.roc);
        std::vector<QPointF> points;
        for (const auto& [m, o] : curves.keys) {
            const ThresholdIndex index(view.result, m);
            const OperatingPoint p = index.operatingPoint(id, o, thresholdAtIdTpr95(view.result, m));
            points.emplace_back(p.fpr_id, p.tpr_id);
        }
        roc.setOperatingPoints(points);
        out.push_back(render(roc, base + "roc",
                             "ROC curves (ID positive) of " + grad + (best.empty() ? "" : " and " + best) +
                                 " against " + ood + ", operating points at 95 % ID TPR.",
                             FigureSize{one.width, one.width, one.unit}, options, scratch));
    }
    return out;
}

} // namespace

const std::vector<std::string>& reportFileNames()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n{"report.html", "report.pdf", "factors.tex", "factors.csv", "factors.json"};
        for (const std::string& f : runFileNames())
            n.push_back(f);
        return n;
    }();
    return names;
}

void checkReportFolder(const std::string& dir)
{
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
        throw Error("cannot write the report to '" + dir + "': it is a file, not a folder");
    OutputFiles::checkTargets(dir, reportFileNames());
    const fs::path figures = fs::path(dir) / kReportFiguresFolder;
    if (fs::exists(figures, ec) && !fs::is_directory(figures, ec))
        throw Error("cannot write '" + figures.string() + "': it exists and is not a folder");
}

OutputFiles reportFiles(const RunResult& result, const FactorReport& factors, const ReportOptions& options,
                        const ProgressSink* cancel)
{
    if (result.idIndex < 0)
        throw Error("the run has no ID set: there is nothing to report");
    QTemporaryDir scratch;
    if (!scratch.isValid())
        throw Error("cannot create a temporary folder for the report's figures: " + scratch.errorString().toStdString());
    std::vector<std::vector<Figure>> figures;
    for (const FactorAnalysis& a : factors.analyses) {
        throwIfCancelled(cancel);
        figures.push_back(analysisFigures(result, a, options, scratch.path(), cancel));
    }
    std::vector<const Figure*> flat;
    for (const auto& list : figures)
        for (const Figure& f : list)
            flat.push_back(&f);

    HtmlBuilder builder(result, factors);
    const std::string html = builder.build(figures, [&](std::size_t i) { return base64Uri(flat.at(i)->png); }, false);
    const std::string pdfHtml =
        builder.build(figures, [](std::size_t i) { return "figure-" + std::to_string(i) + ".png"; }, true);
    throwIfCancelled(cancel);
    const QByteArray pdf = pdfOf(pdfHtml, flat, options.figures);

    OutputFiles files = runFiles(result, options.commandLine);
    files.add("report.html", html);
    files.add("report.pdf", pdf.toStdString());
    files.add("factors.tex", factorsLatex(factors));
    files.add("factors.csv", factorsCsv(factors));
    files.add("factors.json", factorsJson(factors));
    for (const Figure* f : flat) {
        const std::string stem = std::string(kReportFiguresFolder) + "/" + f->file;
        files.add(stem + ".pdf", f->pdf.toStdString());
        files.add(stem + ".svg", f->svg.toStdString());
    }
    return files;
}

void writeReport(const std::string& dir, const RunResult& result, const FactorReport& factors,
                 const ReportOptions& options, const ProgressSink* cancel)
{
    checkReportFolder(dir);
    const OutputFiles files = reportFiles(result, factors, options, cancel);
    const fs::path figures = fs::path(dir) / kReportFiguresFolder;
    std::error_code ec;
    fs::create_directories(figures, ec);
    if (ec)
        throw Error("cannot create the folder '" + figures.string() + "': " + ec.message());
    files.commit(dir);
}

} // namespace oodlens::ui
