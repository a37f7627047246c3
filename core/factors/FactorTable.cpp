// SPDX-License-Identifier: GPL-3.0-or-later
#include "factors/FactorTable.h"

#include "io/TextEscape.h"
#include "metrics/MetricColumns.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>

namespace oodlens {
namespace {

const MetricColumn& column(const char* id)
{
    for (const MetricColumn& c : metricColumns())
        if (std::strcmp(c.id, id) == 0)
            return c;
    return metricColumns().front();
}

// A label in the registry's ASCII notation: "||h||_Q", then "^A", then " x REST"; or plain text.
struct LabelParts {
    bool norm = false;
    std::string q, a, rest; // rest: the output term (after " x "), or the whole label when !norm
};

LabelParts parseLabel(const std::string& label)
{
    LabelParts p;
    const std::string head = "||h||_";
    if (label.rfind(head, 0) != 0) {
        p.rest = label;
        return p;
    }
    std::size_t i = head.size();
    while (i < label.size() && label[i] != '^' && label[i] != ' ')
        p.q += label[i++];
    if (p.q.empty()) {
        p.rest = label;
        return p;
    }
    if (i < label.size() && label[i] == '^') {
        ++i;
        while (i < label.size() && label[i] != ' ')
            p.a += label[i++];
    }
    const std::string times = " x ";
    if (label.compare(i, times.size(), times) == 0)
        p.rest = label.substr(i + times.size());
    else if (i < label.size())
        p.rest = label.substr(i); // e.g. " (flipped)"
    p.norm = true;
    return p;
}

std::string htmlLabel(const std::string& label)
{
    const LabelParts p = parseLabel(label);
    if (!p.norm)
        return htmlText(p.rest);
    std::string out = "\u2016h\u2016<sub>" + (p.q == "inf" ? std::string("\u221e") : htmlText(p.q)) + "</sub>";
    if (!p.a.empty())
        out += "<sup>" + htmlText(p.a) + "</sup>";
    if (label.find(" x ") != std::string::npos)
        out += " \u00d7 " + htmlText(p.rest);
    else
        out += htmlText(p.rest);
    return out;
}

// U+2212 for the HTML's minus signs: typeset, and told apart from a hyphen.
std::string htmlMinus(const std::string& text)
{
    std::string out;
    for (char c : text)
        out += c == '-' ? std::string("\u2212") : std::string(1, c);
    return out;
}

std::string metricCell(double v) { return std::isnan(v) ? "n/a" : percentText(v); }

// The difference of metric `id` between a row and the gradient score on the test part ("-0.14"),
// and the paired bootstrap's interval when there is one ("[-0.31, +0.02]", else empty); ASCII minus.
std::pair<std::string, std::string> differenceText(const FactorAnalysis& a, const FactorTableRow& row, const char* id)
{
    const MetricColumn& c = column(id);
    std::pair<std::string, std::string> s{signedPointsText(c.of(row.metrics->test) - c.of(a.gradient.test)), ""};
    if (row.comparison && hasInterval(*row.comparison)) {
        const PairedBootstrap& b = row.comparison->bootstrap;
        const DifferenceInterval& d = std::strcmp(id, "auroc") == 0 ? b.auroc : b.fpr95_id;
        s.second = "[" + signedPointsText(d.low) + ", " + signedPointsText(d.high) + "]";
    }
    return s;
}

} // namespace

const std::vector<const char*>& factorTableMetricIds()
{
    static const std::vector<const char*> ids{"auroc", "fpr95_id"};
    return ids;
}

std::vector<FactorTableRow> factorTableRows(const FactorAnalysis& a)
{
    std::vector<FactorTableRow> rows;
    rows.push_back({"Gradient score", a.gradientLabel, &a.gradient, nullptr});
    rows.push_back({"Feature term", a.featureMember.label(), &a.featureTerm, &a.versusFeatureTerm});
    rows.push_back({"Output term", a.outputMember.label(), &a.outputTerm, &a.versusOutputTerm});
    if (a.best >= 0 && std::size_t(a.best) < a.family.size()) {
        const FamilyResult& best = a.family[std::size_t(a.best)];
        rows.push_back({"Best member", best.member.label(), &best.metrics, &a.versusBest});
    }
    return rows;
}

std::string signedPointsText(double fraction)
{
    if (std::isnan(fraction))
        return "n/a";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%+.2f", 100.0 * fraction);
    return std::strcmp(buf, "-0.00") == 0 ? "+0.00" : buf;
}

std::string pValueText(double p)
{
    if (std::isnan(p))
        return "n/a";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", p);
    return buf;
}

bool hasInterval(const FactorComparison& c) { return c.ok && c.bootstrap.resamples > 0; }

std::string latexScoreLabel(const std::string& label)
{
    const LabelParts p = parseLabel(label);
    if (!p.norm)
        return latexText(p.rest);
    std::string out = "$\\|h\\|_{" + (p.q == "inf" ? std::string("\\infty") : latexText(p.q)) + "}";
    if (!p.a.empty())
        out += "^{" + latexText(p.a) + "}";
    out += "$";
    if (label.find(" x ") != std::string::npos)
        out += " $\\times$ " + latexText(p.rest);
    else
        out += latexText(p.rest);
    return out;
}

std::string factorsLatex(const FactorReport& report)
{
    std::ostringstream out;
    out << "% Generated by OOD Lens: the factor analysis (are gradients needed?). Needs \\usepackage{booktabs}.\n"
        << "% Metrics on the test part, percent; differences: score - gradient score, percentage points,\n"
        << "% 95% paired bootstrap interval; p: DeLong's test of the AUROC difference.\n"
        << "\\begin{tabular}{llrrllr}\n\\toprule\n & Score";
    for (const char* id : factorTableMetricIds())
        out << " & " << column(id).latex;
    for (const char* id : factorTableMetricIds())
        out << " & $\\Delta$" << column(id).latex << " [95\\,\\% CI]";
    out << " & DeLong $p$ \\\\\n";
    for (const FactorAnalysis& a : report.analyses) {
        out << "\\midrule\n";
        out << "\\multicolumn{7}{l}{\\emph{" << latexText(a.gradientLabel) << ", OOD: " << latexText(a.ood)
            << "}} \\\\\n";
        for (const FactorTableRow& row : factorTableRows(a)) {
            out << row.role << " & " << latexScoreLabel(row.label);
            for (const char* id : factorTableMetricIds())
                out << " & " << metricCell(column(id).of(row.metrics->test));
            if (!row.comparison || !row.comparison->ok) {
                out << " & --- & --- & --- \\\\\n";
                continue;
            }
            const FactorComparison& c = *row.comparison;
            for (const char* id : factorTableMetricIds()) {
                const auto [estimate, interval] = differenceText(a, row, id);
                out << " & $" << estimate << "$";
                if (!interval.empty())
                    out << "\\,{\\scriptsize$" << interval << "$}";
            }
            // "6.53e-08" as $6.53\times10^{-8}$.
            std::string p = pValueText(c.delong.pValue);
            if (const auto e = p.find('e'); e != std::string::npos)
                p = "$" + p.substr(0, e) + "\\times10^{" + std::to_string(std::stoi(p.substr(e + 1))) + "}$";
            out << " & " << p << " \\\\\n";
        }
    }
    out << "\\bottomrule\n\\end{tabular}\n";
    return out.str();
}

std::string factorTableHtml(const FactorAnalysis& a)
{
    std::ostringstream out;
    // Column widths: without them a narrow page (the PDF's A4 column) squeezes the text columns to
    // a few letters and leaves the numbers their full width.
    out << "<table class=\"factors\" width=\"100%\">\n<thead><tr><th width=\"15%\">Role</th>"
        << "<th width=\"19%\">Score</th>";
    for (const char* id : factorTableMetricIds())
        out << "<th width=\"10%\">" << htmlText(column(id).label) << " (%)</th>";
    for (const char* id : factorTableMetricIds())
        out << "<th width=\"17%\">\u0394 " << htmlText(column(id).label) << " (pp) [95&nbsp;% CI]</th>";
    out << "<th width=\"12%\">DeLong p</th></tr></thead>\n<tbody>\n";
    static const char* const kClass[] = {"gradient", "feature", "output", "best"};
    int r = 0;
    for (const FactorTableRow& row : factorTableRows(a)) {
        out << "<tr class=\"" << kClass[r++ % 4] << "\"><td>" << row.role;
        if (!row.comparison || row.comparison != &a.versusBest)
            out << "</td>";
        else // chosen on the validation part: its AUROC there
            out << "<br><span class=\"ci\">validation AUROC " << metricCell(row.metrics->validation.auroc)
                << "</span></td>";
        out << "<td>" << htmlLabel(row.label) << "</td>";
        for (const char* id : factorTableMetricIds())
            out << "<td class=\"num\">" << metricCell(column(id).of(row.metrics->test)) << "</td>";
        if (!row.comparison) {
            out << "<td class=\"num\">\u2014</td><td class=\"num\">\u2014</td><td class=\"num\">\u2014</td></tr>\n";
            continue;
        }
        const FactorComparison& c = *row.comparison;
        if (!c.ok) {
            out << "<td colspan=\"3\">" << htmlText(c.note.empty() ? "not computed" : c.note) << "</td></tr>\n";
            continue;
        }
        for (const char* id : factorTableMetricIds()) {
            const auto [estimate, interval] = differenceText(a, row, id);
            out << "<td class=\"num\">" << htmlMinus(estimate)
                << (interval.empty() ? "" : "<br><span class=\"ci\">" + htmlMinus(interval) + "</span>") << "</td>";
        }
        out << "<td class=\"num\">" << htmlMinus(pValueText(c.delong.pValue)) << "</td></tr>\n";
    }
    out << "</tbody>\n</table>\n";
    return out.str();
}

std::string htmlScoreLabel(const std::string& label) { return htmlLabel(label); }

} // namespace oodlens
