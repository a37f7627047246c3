// SPDX-License-Identifier: GPL-3.0-or-later
// The OpenOOD-style results table: its numbers against the metrics rows, group and overall means
// computed here independently, the best cell per column by brute force, the ID accuracy against a
// brute-force argmax, and the LaTeX / Markdown / CSV exports parsed back (bold only on the best
// cells, the dagger exactly where AUROC < 50 %).
#include "io/ResultsTableExport.h"
#include "metrics/ResultsTable.h"
#include "run/RunResult.h"

#include "TestSupport.h"

#include <cmath>
#include <limits>
#include <map>
#include <random>

using namespace oodlens;
using oodlens::test::contains;
using oodlens::test::split;
using oodlens::test::startsWith;

namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();

struct Fixture {
    RunResult result;
    // metric values by (method, ood set): {auroc, fpr95_id}
    std::map<std::pair<std::string, std::string>, std::pair<double, double>> values;
};

// ID set + OOD sets a, b (near), c (far), d (no group); three methods with random metrics, one
// AUROC below 50 %, a tie for the best FPR on b, a NaN pair, and an ID set with labels (some
// unknown) and random logits.
Fixture makeFixture(unsigned seed)
{
    Fixture f;
    RunResult& r = f.result;
    r.config.datasets = {{"id", "/data/id", DatasetRole::Id, ""},
                         {"a", "/data/a", DatasetRole::Ood, "near"},
                         {"b", "/data/b", DatasetRole::Ood, "near"},
                         {"c", "/data/c", DatasetRole::Ood, "far"},
                         {"d", "/data/d", DatasetRole::Ood, ""}};
    for (const DatasetSpec& d : r.config.datasets) {
        DatasetSummary s;
        s.name = d.role == DatasetRole::Id ? "mnist-test" : d.name;
        s.path = d.path;
        s.role = d.role;
        r.datasets.push_back(s);
    }
    r.idIndex = 0;
    r.oodIndices = {1, 2, 3, 4};
    r.methods = {"msp", "energy", "exgrad"};
    r.params.parseAssignment("exgrad.flip=1");

    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0.55, 0.99);
    for (const std::string& m : r.methods)
        for (const char* o : {"a", "b", "c", "d"}) {
            MetricsRow row;
            row.method = m;
            row.ood = o;
            row.label = methodLabel(m, r.params);
            row.metrics.auroc = u(rng);
            row.metrics.fpr95_id = 1.0 - u(rng);
            row.metrics.fpr95_ood = 0.5; // not in the table
            r.metrics.push_back(row);
        }
    auto set = [&](const std::string& m, const std::string& o, double auroc, double fpr) {
        for (MetricsRow& row : r.metrics)
            if (row.method == m && row.ood == o) {
                row.metrics.auroc = auroc;
                row.metrics.fpr95_id = fpr;
            }
    };
    set("exgrad", "c", 0.031, 0.97);  // reversed
    set("msp", "b", 0.9, 0.123);      // tie for the lowest FPR on b
    set("energy", "b", 0.8, 0.123);
    set("exgrad", "b", 0.7, 0.5);
    set("energy", "d", kNan, kNan);   // metrics undefined
    for (const MetricsRow& row : r.metrics)
        f.values[{row.method, row.ood}] = {row.metrics.auroc, row.metrics.fpr95_id};

    auto id = std::make_shared<FeatureSet>();
    id->rows = 97;
    id->classes = 4;
    id->dim = 1;
    std::normal_distribution<float> g(0, 1);
    for (std::size_t i = 0; i < id->rows; ++i) {
        for (int k = 0; k < id->classes; ++k)
            id->logits.push_back(g(rng));
        id->features.push_back(0);
        id->labels.push_back(i % 7 == 0 ? -1 : int(rng() % 4));
        id->index.push_back(i);
        id->paths.emplace_back();
    }
    r.features = {id};
    for (int i = 0; i < 4; ++i)
        r.features.push_back(std::make_shared<FeatureSet>());
    return f;
}

// Brute force: is v the best of `column` (higher or lower), with at least two finite values?
bool bruteBest(const std::vector<double>& column, std::size_t row, bool higher)
{
    std::size_t finite = 0;
    for (double v : column)
        finite += std::isfinite(v);
    if (finite < 2 || !std::isfinite(column[row]))
        return false;
    for (double v : column)
        if (std::isfinite(v) && (higher ? v > column[row] : v < column[row]))
            return false;
    return true;
}

std::string trim(const std::string& s)
{
    const auto a = s.find_first_not_of(' '), b = s.find_last_not_of(' ');
    return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// Removes every occurrence of `part`; true when there was one.
bool strip(std::string& s, const std::string& part)
{
    bool found = false;
    for (auto at = s.find(part); at != std::string::npos; at = s.find(part)) {
        s.erase(at, part.size());
        found = true;
    }
    return found;
}

} // namespace

TEST(ResultsTable, ColumnsAreGroupedWithOneMeanPerGroupAndAnOverallMean)
{
    const ResultsTable t = buildResultsTable(makeFixture(1).result);
    using K = ResultsTable::ColumnKind;
    const std::vector<std::pair<K, std::string>> expected{{K::OodSet, "a"}, {K::OodSet, "b"},   {K::GroupMean, "near"},
                                                          {K::OodSet, "c"}, {K::GroupMean, "far"}, {K::OodSet, "d"},
                                                          {K::Mean, "Mean"}};
    ASSERT_EQ(t.columns.size(), expected.size());
    for (std::size_t c = 0; c < expected.size(); ++c) {
        EXPECT_EQ(t.columns[c].kind, expected[c].first) << c;
        EXPECT_EQ(t.columns[c].name, expected[c].second) << c;
    }
    ASSERT_EQ(t.metrics.size(), 2u);
    EXPECT_STREQ(t.metrics[0]->id, "auroc");
    EXPECT_STREQ(t.metrics[1]->id, "fpr95_id");
}

TEST(ResultsTable, ValuesAndMeansMatchTheMetricsRows)
{
    for (unsigned seed : {1u, 2u, 3u}) {
        const Fixture f = makeFixture(seed);
        const ResultsTable t = buildResultsTable(f.result);
        ASSERT_EQ(t.rows.size(), 3u);
        for (std::size_t r = 0; r < t.rows.size(); ++r) {
            const ResultsTable::Row& row = t.rows[r];
            EXPECT_EQ(row.method, f.result.methods[r]);
            EXPECT_EQ(row.label, methodLabel(row.method, f.result.params));
            EXPECT_EQ(row.flipped, row.method == "exgrad");
            auto v = [&](const char* o, int k) {
                const auto& p = f.values.at({row.method, o});
                return k == 0 ? p.first : p.second;
            };
            for (int k = 0; k < 2; ++k) {
                auto same = [](double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; };
                EXPECT_TRUE(same(row.values[0][k], v("a", k)));
                EXPECT_TRUE(same(row.values[1][k], v("b", k)));
                EXPECT_TRUE(same(row.values[3][k], v("c", k)));
                EXPECT_TRUE(same(row.values[5][k], v("d", k)));
                // Means computed here: near = (a + b) / 2, far = c, overall over all four (NaN stays NaN).
                EXPECT_NEAR(row.values[2][k], (v("a", k) + v("b", k)) / 2, 1e-15);
                EXPECT_NEAR(row.values[4][k], v("c", k), 1e-15);
                const double all = (v("a", k) + v("b", k) + v("c", k) + v("d", k)) / 4;
                if (std::isnan(all))
                    EXPECT_TRUE(std::isnan(row.values[6][k]));
                else
                    EXPECT_NEAR(row.values[6][k], all, 1e-15);
            }
        }
    }
}

TEST(ResultsTable, BestIsTheBruteForceBestOfEachColumn)
{
    const ResultsTable t = buildResultsTable(makeFixture(4).result);
    int bold = 0;
    for (std::size_t c = 0; c < t.columns.size(); ++c)
        for (std::size_t k = 0; k < 2; ++k) {
            std::vector<double> column;
            for (const ResultsTable::Row& row : t.rows)
                column.push_back(row.values[c][k]);
            for (std::size_t r = 0; r < t.rows.size(); ++r) {
                EXPECT_EQ(t.isBest(r, c, k), bruteBest(column, r, k == 0)) << r << "," << c << "," << k;
                bold += t.isBest(r, c, k);
            }
        }
    EXPECT_GE(bold, int(t.columns.size() * 2)); // every column has one, b's FPR two (the tie)
    EXPECT_TRUE(t.isBest(0, 1, 1) && t.isBest(1, 1, 1)); // the tie on b: both bold
}

TEST(ResultsTable, NoBestWithASingleMethodAndNoGroupsGiveSetsThenMean)
{
    Fixture f = makeFixture(5);
    f.result.methods = {"msp"};
    for (DatasetSpec& d : f.result.config.datasets)
        d.group.clear();
    const ResultsTable t = buildResultsTable(f.result);
    ASSERT_EQ(t.rows.size(), 1u);
    ASSERT_EQ(t.columns.size(), 5u);
    EXPECT_EQ(t.columns.back().kind, ResultsTable::ColumnKind::Mean);
    for (std::size_t c = 0; c < t.columns.size(); ++c)
        EXPECT_FALSE(t.isBest(0, c, 0) || t.isBest(0, c, 1));
}

TEST(ResultsTable, IdAccuracyIsTheArgmaxAgainstTheLabels)
{
    const Fixture f = makeFixture(6);
    const FeatureSet& id = *f.result.features[0];
    std::size_t correct = 0, labelled = 0;
    for (std::size_t r = 0; r < id.rows; ++r) {
        if (id.labels[r] < 0)
            continue;
        ++labelled;
        int best = 0;
        for (int k = 1; k < id.classes; ++k)
            if (id.logits[r * id.classes + k] > id.logits[r * id.classes + best])
                best = k;
        correct += best == id.labels[r];
    }
    ASSERT_GT(labelled, 0u);
    const ResultsTable t = buildResultsTable(f.result);
    ASSERT_TRUE(t.idAccuracy.has_value());
    EXPECT_EQ(t.idAccuracy->labelled, labelled);
    EXPECT_EQ(t.idAccuracy->correct, correct);
    EXPECT_EQ(t.idAccuracy->rows, id.rows);
    EXPECT_DOUBLE_EQ(t.idAccuracy->accuracy, double(correct) / double(labelled));
    EXPECT_EQ(t.idName, "mnist-test");

    // No labels: no accuracy.
    Fixture unlabelled = makeFixture(6);
    auto copy = std::make_shared<FeatureSet>(id);
    std::fill(copy->labels.begin(), copy->labels.end(), -1);
    unlabelled.result.features[0] = copy;
    EXPECT_FALSE(buildResultsTable(unlabelled.result).idAccuracy.has_value());
    EXPECT_FALSE(contains(resultsTableMarkdown(buildResultsTable(unlabelled.result)), "accuracy"));
}

TEST(ResultsTableExport, MarkdownBoldsOnlyTheBestAndDaggersOnlyBelowChance)
{
    const ResultsTable t = buildResultsTable(makeFixture(7).result);
    const std::vector<std::string> lines = split(resultsTableMarkdown(t), '\n');
    ASSERT_GE(lines.size(), 2 + t.rows.size());
    const std::vector<std::string> header = split(lines[0], '|');
    // "| Method | a (near) AUROC | ..." : one cell per column and metric, plus the method.
    ASSERT_EQ(header.size(), 2 + 1 + t.columns.size() * 2);
    EXPECT_EQ(trim(header[2]), "a (near) AUROC");
    EXPECT_EQ(trim(header[6]), "near mean AUROC");
    bool sawDagger = false;
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
        const std::vector<std::string> cells = split(lines[2 + r], '|');
        ASSERT_EQ(cells.size(), header.size()) << lines[2 + r];
        EXPECT_EQ(trim(cells[1]), t.rows[r].label);
        for (std::size_t c = 0; c < t.columns.size(); ++c)
            for (std::size_t k = 0; k < 2; ++k) {
                std::string cell = trim(cells[2 + c * 2 + k]);
                const bool dagger = strip(cell, "\u2020");
                const bool bold = strip(cell, "**");
                const double v = t.rows[r].values[c][k];
                EXPECT_EQ(bold, t.isBest(r, c, k)) << cell;
                EXPECT_EQ(dagger, k == 0 && v < 0.5) << cell;
                sawDagger = sawDagger || dagger;
                if (std::isnan(v))
                    EXPECT_EQ(cell, "\u2013");
                else
                    EXPECT_NEAR(std::stod(cell), 100 * v, 0.005 + 1e-9) << cell;
            }
    }
    EXPECT_TRUE(sawDagger);
    const std::string text = resultsTableMarkdown(t);
    EXPECT_TRUE(contains(text, "\u2020 AUROC below 50 %"));
    EXPECT_TRUE(contains(text, "ID classification accuracy on mnist-test: "));
    EXPECT_TRUE(contains(text, "FPR@95 (ID+): OOD accepted at 95 % ID TPR"));
    EXPECT_TRUE(contains(text, "ExGrad (flipped)"));
}

TEST(ResultsTableExport, LatexIsBooktabsWithBoldOnlyOnTheBest)
{
    const ResultsTable t = buildResultsTable(makeFixture(8).result);
    const std::string tex = resultsTableLatex(t);
    for (const char* part : {"\\toprule", "\\midrule", "\\bottomrule", "\\cmidrule(lr){2-7}", "\\cmidrule(lr){2-3}", "booktabs",
                             "\\multicolumn{6}{c}{near}", "\\multicolumn{2}{c}{Overall}", "ExGrad (flipped)"})
        EXPECT_TRUE(contains(tex, part)) << part << "\n" << tex;
    const std::vector<std::string> lines = split(tex, '\n');
    std::size_t first = 0;
    while (first < lines.size() && lines[first] != "\\midrule")
        ++first;
    ASSERT_LT(first + t.rows.size(), lines.size());
    EXPECT_EQ(lines[first + 1 + t.rows.size()], "\\bottomrule");
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
        std::string line = lines[first + 1 + r];
        ASSERT_TRUE(strip(line, " \\\\"));
        std::vector<std::string> cells;
        for (std::size_t at = 0;;) {
            const std::size_t next = line.find(" & ", at);
            cells.push_back(line.substr(at, next == std::string::npos ? std::string::npos : next - at));
            if (next == std::string::npos)
                break;
            at = next + 3;
        }
        ASSERT_EQ(cells.size(), 1 + t.columns.size() * 2) << line;
        for (std::size_t c = 0; c < t.columns.size(); ++c)
            for (std::size_t k = 0; k < 2; ++k) {
                std::string cell = cells[1 + c * 2 + k];
                const bool dagger = strip(cell, "$^\\dagger$");
                bool bold = false;
                if (startsWith(cell, "\\textbf{") && cell.back() == '}') {
                    bold = true;
                    cell = cell.substr(8, cell.size() - 9);
                }
                const double v = t.rows[r].values[c][k];
                EXPECT_EQ(bold, t.isBest(r, c, k)) << cells[1 + c * 2 + k];
                EXPECT_EQ(dagger, k == 0 && v < 0.5) << cells[1 + c * 2 + k];
                if (std::isnan(v))
                    EXPECT_EQ(cell, "--");
                else
                    EXPECT_NEAR(std::stod(cell), 100 * v, 0.005 + 1e-9) << cell;
            }
    }
    EXPECT_TRUE(contains(tex, "$^\\dagger$ AUROC below 50 \\%"));
    EXPECT_TRUE(contains(tex, "ID classification accuracy on mnist-test"));
}

TEST(ResultsTableExport, CsvCarriesTheFractionsAndTheMarks)
{
    const Fixture f = makeFixture(9);
    const ResultsTable t = buildResultsTable(f.result);
    const std::vector<std::string> lines = split(resultsTableCsv(t), '\n');
    ASSERT_EQ(lines[0], "method,label,flipped,column,kind,group,auroc,fpr95_id,best_auroc,best_fpr95_id,"
                        "auroc_below_50,id_accuracy");
    std::size_t n = 0;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        if (lines[i].empty())
            continue;
        const std::vector<std::string> x = split(lines[i], ',');
        ASSERT_EQ(x.size(), 12u) << lines[i];
        const std::size_t r = n / t.columns.size(), c = n % t.columns.size();
        ++n;
        ASSERT_LT(r, t.rows.size());
        EXPECT_EQ(x[0], t.rows[r].method);
        EXPECT_EQ(x[1], t.rows[r].label);
        EXPECT_EQ(x[2], t.rows[r].method == "exgrad" ? "1" : "0");
        EXPECT_EQ(x[3], t.columns[c].name);
        EXPECT_EQ(x[5], t.columns[c].group);
        for (std::size_t k = 0; k < 2; ++k) {
            const double v = t.rows[r].values[c][k];
            if (std::isnan(v))
                EXPECT_EQ(x[6 + k], "nan");
            else
                EXPECT_NEAR(std::stod(x[6 + k]), v, 1e-8);
            EXPECT_EQ(x[8 + k], t.isBest(r, c, k) ? "1" : "0");
        }
        EXPECT_EQ(x[10], t.rows[r].values[c][0] < 0.5 ? "1" : "0");
        EXPECT_NEAR(std::stod(x[11]), t.idAccuracy->accuracy, 1e-8);
        if (t.columns[c].kind == ResultsTable::ColumnKind::OodSet) {
            EXPECT_EQ(x[4], "ood");
        }
    }
    EXPECT_EQ(n, t.rows.size() * t.columns.size());
}
