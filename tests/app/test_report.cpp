// SPDX-License-Identifier: GPL-3.0-or-later
// `oodlens-cli report` on the bundled demo, as a user would run it: every file is there and whole,
// report.html references nothing outside itself, every number of its factor table is the factor
// analysis's (recomputed here in-process, the gradient score's test AUROC by brute force from
// scores.csv), factors.csv agrees with metrics.csv, Chromium renders the HTML and pdftoppm the PDF
// pages (not blank), and pdffonts finds every font embedded. Chromium and poppler-utils are test
// dependencies (packaging/install-deps.sh): without them these tests fail, never skip.
#include "RunProcess.h"
#include "TestSupport.h"

#include "factors/FactorAnalysis.h"
#include "io/Export.h"
#include "run/Demo.h"
#include "run/Pipeline.h"

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>

using namespace oodlens;
using namespace oodlens::test;
namespace fs = std::filesystem;

namespace {

// A gradient score, the two output terms it is built from and one more: a short run with one analysis.
const std::vector<std::string> kMethods{"gradnorm", "msp", "energy", "gradterm"};
const int kResamples = 200;

ProcessResult cli(const std::vector<std::string>& args)
{
    return runProcess(OODLENS_CLI, args, {{"OPENBLAS_NUM_THREADS", "1"}}, 600);
}

std::string joinedMethods()
{
    std::string s;
    for (const std::string& m : kMethods)
        s += (s.empty() ? "" : ",") + m;
    return s;
}

// The first program of `names` found in /usr/bin or /usr/local/bin, else "".
std::string findTool(const std::vector<std::string>& names)
{
    for (const char* dir : {"/usr/bin", "/usr/local/bin", "/bin"})
        for (const std::string& n : names)
            if (fs::exists(fs::path(dir) / n))
                return (fs::path(dir) / n).string();
    return "";
}

// Share of pixels that are not near white, and of pixels with colour (channels apart): a blank or
// grey-only page has (almost) none of the second.
struct Ink {
    double dark = 0, colour = 0;
};
Ink inkOf(const std::string& png)
{
    const cv::Mat m = cv::imread(png, cv::IMREAD_COLOR);
    Ink ink;
    if (m.empty())
        return ink;
    std::size_t dark = 0, colour = 0;
    for (int y = 0; y < m.rows; ++y)
        for (int x = 0; x < m.cols; ++x) {
            const cv::Vec3b p = m.at<cv::Vec3b>(y, x);
            const int lo = std::min({p[0], p[1], p[2]}), hi = std::max({p[0], p[1], p[2]});
            dark += lo < 200;
            colour += hi - lo > 60;
        }
    const double n = double(m.rows) * m.cols;
    ink.dark = dark / n;
    ink.colour = colour / n;
    return ink;
}

// The cells of each row of the HTML table `<table class="NAME">`: row class -> cells (inner HTML).
std::map<std::string, std::vector<std::string>> tableRows(const std::string& html, std::size_t from, std::size_t* end)
{
    std::map<std::string, std::vector<std::string>> rows;
    const std::size_t stop = html.find("</table>", from);
    *end = stop;
    const std::string table = html.substr(from, stop - from);
    const std::regex row("<tr class=\"([a-z]+)\">(.*?)</tr>");
    const std::regex cell("<td[^>]*>(.*?)</td>");
    for (auto r = std::sregex_iterator(table.begin(), table.end(), row); r != std::sregex_iterator(); ++r) {
        const std::string inner = (*r)[2];
        std::vector<std::string>& cells = rows[(*r)[1]];
        for (auto c = std::sregex_iterator(inner.begin(), inner.end(), cell); c != std::sregex_iterator(); ++c)
            cells.push_back((*c)[1]);
    }
    return rows;
}

std::string stripTags(const std::string& s) { return std::regex_replace(s, std::regex("<[^>]*>"), ""); }

// Every number of a cell, U+2212 read as a minus.
std::vector<double> numbersOf(const std::string& cell)
{
    std::string text = stripTags(cell);
    for (std::size_t at; (at = text.find("\u2212")) != std::string::npos;)
        text.replace(at, std::string("\u2212").size(), "-");
    std::vector<double> out;
    const std::regex number("[-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?");
    for (auto m = std::sregex_iterator(text.begin(), text.end(), number); m != std::sregex_iterator(); ++m)
        out.push_back(std::stod(m->str()));
    return out;
}

// "||h||_2^0.5 x Energy" as the HTML shows it once its tags are stripped: "‖h‖20.5 × Energy".
std::string shownLabel(std::string label)
{
    auto replaceAll = [&](const std::string& a, const std::string& b) {
        for (std::size_t at = 0; (at = label.find(a, at)) != std::string::npos; at += b.size())
            label.replace(at, a.size(), b);
    };
    replaceAll("||h||_inf", "\u2016h\u2016\u221e");
    replaceAll("||h||_", "\u2016h\u2016");
    replaceAll("^", "");
    replaceAll(" x ", " \u00d7 ");
    return label;
}

// A CSV file as rows of named fields (no quoted commas in these files' numeric rows).
std::vector<std::map<std::string, std::string>> readCsv(const std::string& path)
{
    const std::vector<std::string> lines = readLines(path);
    std::vector<std::map<std::string, std::string>> rows;
    if (lines.empty())
        return rows;
    const std::vector<std::string> header = split(lines[0], ',');
    for (std::size_t i = 1; i < lines.size(); ++i) {
        if (lines[i].empty())
            continue;
        const std::vector<std::string> f = split(lines[i], ',');
        std::map<std::string, std::string> row;
        for (std::size_t c = 0; c < header.size() && c < f.size(); ++c)
            row[header[c]] = f[c];
        rows.push_back(row);
    }
    return rows;
}

std::string qText(double q) { return std::isinf(q) ? "inf" : (q == 1 ? "1" : q == 2 ? "2" : std::to_string(q)); }
std::string aText(double a) { return a == 0 ? "0" : a == 0.5 ? "0.5" : a == 1 ? "1" : a == 2 ? "2" : std::to_string(a); }

} // namespace

// One report of the demo for the whole suite, and the factor analysis of the same run in-process.
class Report : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        dir_ = std::make_unique<TempDir>();
        out_ = dir_->filePath("report");
        run_ = cli({"report", "--demo", "--methods", joinedMethods(), "--resamples", std::to_string(kResamples),
                    "--out", out_});
        RunConfig config = demoConfig();
        config.methods = kMethods;
        result_ = runOnce(config);
        FactorOptions options;
        options.resamples = kResamples;
        factors_ = std::make_unique<FactorReport>(analyseFactors(*result_, options));
    }
    static void TearDownTestSuite()
    {
        factors_.reset();
        result_.reset();
        dir_.reset();
    }
    void SetUp() override { ASSERT_EQ(run_.exitCode, 0) << run_.err; }

    static std::string file(const std::string& name) { return out_ + "/" + name; }

    static std::unique_ptr<TempDir> dir_;
    static std::string out_;
    static ProcessResult run_;
    static RunResultPtr result_;
    static std::unique_ptr<FactorReport> factors_;
};
std::unique_ptr<TempDir> Report::dir_;
std::string Report::out_;
ProcessResult Report::run_;
RunResultPtr Report::result_;
std::unique_ptr<FactorReport> Report::factors_;

TEST_F(Report, writesEveryFileWhole)
{
    ASSERT_FALSE(factors_->analyses.empty());
    EXPECT_TRUE(endsWith(readFile(file("report.html")), "</html>\n"));
    const std::string pdf = readFile(file("report.pdf"));
    EXPECT_TRUE(startsWith(pdf, "%PDF-"));
    EXPECT_TRUE(contains(pdf.substr(pdf.size() > 1024 ? pdf.size() - 1024 : 0), "%%EOF"));
    const std::string tex = readFile(file("factors.tex"));
    EXPECT_TRUE(contains(tex, "\\toprule") && endsWith(tex, "\\bottomrule\n\\end{tabular}\n")) << tex;
    for (const std::string& name : runFileNames())
        EXPECT_TRUE(fs::is_regular_file(file(name)) && fs::file_size(file(name)) > 0) << name;
    // factors.csv: the header, then one row per family member and feature term per analysis.
    const auto csv = readCsv(file("factors.csv"));
    EXPECT_EQ(readLines(file("factors.csv")).front(), "gradient_method,ood,q,a,phi,auroc,fpr95_id,fpr95_ood,aupr_in,aupr_out");
    EXPECT_EQ(csv.size(), factors_->analyses.size() * factors_->analyses.front().family.size());
    // Each analysis's five figures, as PDF and SVG, whole.
    for (const FactorAnalysis& a : factors_->analyses)
        for (const char* kind : {"factors", "family", "histogram-gradient", "histogram-best", "roc"}) {
            const std::string stem = file("figures/" + a.gradientMethod + "-" + a.ood + "-" + kind);
            const std::string p = readFile(stem + ".pdf"), s = readFile(stem + ".svg");
            EXPECT_TRUE(startsWith(p, "%PDF-") && contains(p.substr(p.size() > 1024 ? p.size() - 1024 : 0), "%%EOF"))
                << stem;
            EXPECT_TRUE(endsWith(trimmed(s), "</svg>")) << stem;
        }
    // Each analysis's verdict is printed and is the report's (the run's own: its cost ratios are
    // timings, so not the in-process analysis's).
    const std::string html = readFile(file("report.html"));
    for (const FactorAnalysis& a : factors_->analyses) {
        const std::string head = a.gradientLabel + ", " + a.ood + ": ";
        const std::size_t at = run_.out.find(head);
        ASSERT_NE(at, std::string::npos) << run_.out;
        std::string verdict = run_.out.substr(at + head.size());
        verdict = verdict.substr(0, verdict.find('\n'));
        EXPECT_FALSE(verdict.empty());
        std::string escaped;
        for (char c : verdict)
            escaped += c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '\'' ? "&#39;" : c == '"' ? "&quot;"
                                                                                                        : std::string(1, c);
        EXPECT_TRUE(contains(html, "<div class=\"verdict\">" + escaped + "</div>")) << escaped;
    }
}

TEST_F(Report, htmlReferencesNothingOutsideItself)
{
    const std::string html = readFile(file("report.html"));
    EXPECT_FALSE(contains(html, "src=\"http"));
    EXPECT_FALSE(contains(html, "href="));
    EXPECT_FALSE(contains(html, "<link"));
    EXPECT_FALSE(contains(html, "<script"));
    EXPECT_FALSE(contains(html, "@import"));
    for (std::size_t at = 0; (at = html.find("url(", at)) != std::string::npos; ++at)
        EXPECT_TRUE(html.compare(at, 9, "url(data:") == 0) << html.substr(at, 60);
    // Every image is an embedded PNG (searched by hand: std::regex recurses per character and
    // overflows the stack on a 300 kB data: URI).
    int images = 0;
    for (std::size_t at = 0; (at = html.find("<img ", at)) != std::string::npos; ++images) {
        const std::size_t src = html.find("src=\"", at);
        ASSERT_NE(src, std::string::npos);
        EXPECT_EQ(html.compare(src + 5, 33, "data:image/png;base64,iVBORw0KGgo"), 0) << html.substr(src, 60);
        at = src + 5;
    }
    EXPECT_EQ(images, 5 * int(factors_->analyses.size()));
}

// Every number of each factor table is the analysis's: test-part metrics, differences to the
// gradient score with their paired bootstrap intervals, DeLong's p, each to the printed precision.
TEST_F(Report, factorTableNumbersAreTheAnalysis)
{
    const std::string html = readFile(file("report.html"));
    std::size_t at = 0;
    for (const FactorAnalysis& a : factors_->analyses) {
        at = html.find("<table class=\"factors\"", at);
        ASSERT_NE(at, std::string::npos) << a.gradientMethod << " " << a.ood;
        std::size_t end = 0;
        const auto rows = tableRows(html, at, &end);
        at = end;
        ASSERT_GE(a.best, 0);
        const FamilyResult& best = a.family[std::size_t(a.best)];
        struct Expect {
            const char* row;
            std::string label;
            const ScoreMetrics* m;
            const FactorComparison* c;
        };
        const std::vector<Expect> expected{{"gradient", a.gradientLabel, &a.gradient, nullptr},
                                           {"feature", a.featureMember.label(), &a.featureTerm, &a.versusFeatureTerm},
                                           {"output", a.outputMember.label(), &a.outputTerm, &a.versusOutputTerm},
                                           {"best", best.member.label(), &best.metrics, &a.versusBest}};
        ASSERT_EQ(rows.size(), expected.size());
        for (const Expect& e : expected) {
            ASSERT_EQ(rows.count(e.row), 1u) << e.row;
            const std::vector<std::string>& cells = rows.at(e.row);
            ASSERT_EQ(cells.size(), 7u) << e.row;
            EXPECT_EQ(stripTags(cells[1]), shownLabel(e.label)) << e.row;
            std::vector<double> want{100 * e.m->test.auroc, 100 * e.m->test.fpr95_id};
            if (e.c) {
                ASSERT_TRUE(e.c->ok) << e.c->note;
                const PairedBootstrap& b = e.c->bootstrap;
                want.insert(want.end(), {100 * (e.m->test.auroc - a.gradient.test.auroc), 100 * b.auroc.low,
                                         100 * b.auroc.high, 100 * (e.m->test.fpr95_id - a.gradient.test.fpr95_id),
                                         100 * b.fpr95_id.low, 100 * b.fpr95_id.high, e.c->delong.pValue});
            }
            std::vector<double> got;
            for (std::size_t c = 2; c < cells.size(); ++c)
                for (double v : numbersOf(cells[c]))
                    got.push_back(v);
            ASSERT_EQ(got.size(), want.size()) << e.row;
            for (std::size_t i = 0; i < want.size(); ++i) {
                const bool isP = e.c && i + 1 == want.size();
                const double tol = isP ? 5e-3 * std::abs(want[i]) + 1e-300 : 0.005 + 1e-9;
                EXPECT_NEAR(got[i], want[i], tol) << e.row << " number " << i;
            }
        }
    }
}

// The gradient score's test AUROC in the table, by brute force over the test part's (ID, OOD) pairs
// of scores.csv, the test part being what validationMask leaves.
TEST_F(Report, gradientTestAurocIsRecomputedFromScoresCsv)
{
    const FactorAnalysis& a = factors_->analyses.front();
    const auto scores = readCsv(file("scores.csv"));
    std::vector<double> id, ood;
    for (const auto& r : scores) {
        if (r.at("dataset") == "id") // scores.csv names the ID set "id"
            id.push_back(std::stod(r.at(a.gradientMethod)));
        else if (r.at("dataset") == a.ood)
            ood.push_back(std::stod(r.at(a.gradientMethod)));
    }
    const FactorSplit& s = factors_->options.split;
    const std::vector<bool> idVal = validationMask(id.size(), std::size_t(result_->idIndex), s.validationFraction, s.seed);
    const std::vector<bool> oodVal = validationMask(ood.size(), a.oodIndex, s.validationFraction, s.seed);
    double wins = 0, pairs = 0;
    for (std::size_t i = 0; i < id.size(); ++i)
        if (!idVal[i])
            for (std::size_t j = 0; j < ood.size(); ++j)
                if (!oodVal[j]) {
                    wins += id[i] > ood[j] ? 1 : id[i] == ood[j] ? 0.5 : 0;
                    pairs += 1;
                }
    ASSERT_GT(pairs, 0);
    const std::string html = readFile(file("report.html"));
    std::size_t end = 0;
    const auto rows = tableRows(html, html.find("<table class=\"factors\""), &end);
    const std::vector<double> shown = numbersOf(rows.at("gradient").at(2));
    ASSERT_EQ(shown.size(), 1u);
    EXPECT_NEAR(shown[0], 100 * wins / pairs, 0.005 + 1e-9);
}

// factors.csv's member (q = 1, a = 1, phi = GradNorm's output term) is GradNorm, as metrics.csv has it.
TEST_F(Report, factorsCsvHoldsGradNormAsItsOwnFamilyMember)
{
    double gradnorm = NAN, member = NAN;
    for (const auto& r : readCsv(file("metrics.csv")))
        if (r.at("method") == "gradnorm" && r.at("ood") == "fashion-mnist")
            gradnorm = std::stod(r.at("auroc"));
    const FactorAnalysis& a = factors_->analyses.front();
    const FamilyMember& own = [&]() -> const FamilyMember& {
        for (const FamilyResult& f : a.family)
            if (f.member.q == 1 && f.member.a == 1 && f.member.outputTerm == "gradterm")
                return f.member;
        return a.family.front().member;
    }();
    for (const auto& r : readCsv(file("factors.csv")))
        if (r.at("gradient_method") == "gradnorm" && r.at("ood") == "fashion-mnist" && r.at("q") == qText(own.q) &&
            r.at("a") == aText(own.a) && r.at("phi") == own.outputTerm)
            member = std::stod(r.at("auroc"));
    EXPECT_FALSE(std::isnan(gradnorm));
    EXPECT_NEAR(member, gradnorm, 1e-12);
}

TEST_F(Report, chromiumRendersTheHtml)
{
    const std::string chromium = findTool({"chromium", "chromium-browser", "google-chrome"});
    ASSERT_FALSE(chromium.empty()) << "chromium not found: run packaging/install-deps.sh (it installs chromium)";
    const std::string shot = dir_->filePath("report-html.png");
    const ProcessResult r = runProcess(chromium,
                                       {"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                        "--user-data-dir=" + dir_->filePath("chromium-profile"),
                                        "--screenshot=" + shot, "--window-size=1280,4000", "file://" + file("report.html")},
                                       {{"HOME", dir_->path()}}, 180);
    ASSERT_TRUE(fs::exists(shot)) << r.exitCode << "\n" << r.err;
    const Ink ink = inkOf(shot);
    EXPECT_GT(ink.dark, 0.02) << "the screenshot is (nearly) blank";
    EXPECT_GT(ink.colour, 0.005) << "no coloured figure in the screenshot";
}

TEST_F(Report, pdfPagesRenderWithEmbeddedFonts)
{
    const std::string pdftoppm = findTool({"pdftoppm"}), pdffonts = findTool({"pdffonts"});
    ASSERT_FALSE(pdftoppm.empty() || pdffonts.empty()) << "poppler-utils missing: run packaging/install-deps.sh";
    const std::string prefix = dir_->filePath("page");
    const ProcessResult r = runProcess(pdftoppm, {"-r", "40", "-png", file("report.pdf"), prefix});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    std::vector<std::string> pages;
    for (const auto& e : fs::directory_iterator(dir_->path()))
        if (startsWith(e.path().filename().string(), "page") && e.path().extension() == ".png")
            pages.push_back(e.path().string());
    std::sort(pages.begin(), pages.end());
    EXPECT_GE(pages.size(), 3u) << "the report should span several A4 pages";
    double colour = 0;
    for (const std::string& p : pages) {
        const Ink ink = inkOf(p);
        EXPECT_GT(ink.dark, 0.003) << p << " is blank";
        colour = std::max(colour, ink.colour);
    }
    EXPECT_GT(colour, 0.01) << "no page shows a coloured figure";
    const ProcessResult f = runProcess(pdffonts, {file("report.pdf")});
    ASSERT_EQ(f.exitCode, 0) << f.err;
    const std::vector<std::string> lines = split(f.out, '\n', true);
    ASSERT_GT(lines.size(), 2u) << "pdffonts lists no font:\n" << f.out;
    for (std::size_t i = 2; i < lines.size(); ++i) {
        const std::vector<std::string> cols = split(lines[i], ' ', true);
        ASSERT_GE(cols.size(), 7u) << lines[i];
        EXPECT_EQ(cols[cols.size() - 5], "yes") << "font not embedded: " << lines[i];
    }
}

TEST_F(Report, helpShowsTheFactorOptions)
{
    const ProcessResult r = cli({"report", "--help"});
    EXPECT_EQ(r.exitCode, 0);
    for (const char* flag : {"--split seeded|pair", "--validation-fraction F", "--split-seed N", "--validation-id NAME",
                             "--validation-ood NAME", "--resamples N", "--demo", "--model FILE", "--out DIR"})
        EXPECT_TRUE(contains(r.out, flag)) << flag;
    EXPECT_FALSE(contains(r.out, "--kinds"));
    const ProcessResult all = cli({"--help"});
    EXPECT_TRUE(contains(all.out, "oodlens-cli report"));
}

// An --out that is a file, or a figures/ that is a file, is refused before the run, by name; the
// file is left as it was.
TEST_F(Report, refusesAnOutputThatIsAFile)
{
    TempDir tmp;
    const std::string plain = tmp.filePath("a-file");
    ASSERT_TRUE(writeFile(plain, "keep"));
    ProcessResult r = cli({"report", "--demo", "--methods", joinedMethods(), "--out", plain});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(contains(r.err, plain)) << r.err;
    EXPECT_TRUE(contains(r.err, "not a folder")) << r.err;
    EXPECT_FALSE(contains(r.err, "scoring")) << "refused after the run started:\n" << r.err;
    EXPECT_EQ(readFile(plain), "keep");

    const std::string dir = tmp.filePath("out");
    fs::create_directories(dir);
    ASSERT_TRUE(writeFile(dir + "/figures", "not a folder"));
    r = cli({"report", "--demo", "--methods", joinedMethods(), "--out", dir});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(contains(r.err, dir + "/figures")) << r.err;
    EXPECT_FALSE(fs::exists(dir + "/report.html"));

    r = cli({"report", "--demo", "--split", "pair", "--validation-id", "fit", "--validation-ood", "cifar", "--out", dir});
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_TRUE(contains(r.err, "no OOD set is named 'cifar'")) << r.err;
}
