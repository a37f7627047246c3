// SPDX-License-Identifier: GPL-3.0-or-later
#include "Export.h"

#include "Error.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace oodlens {
namespace {

std::string number(double v)
{
    if (std::isnan(v))
        return "nan";
    if (std::isinf(v))
        return v > 0 ? "inf" : "-inf";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

} // namespace

std::string csvField(const std::string& text)
{
    if (text.find_first_of(",\"\n\r") == std::string::npos)
        return text;
    std::string out = "\"";
    for (char c : text)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

void writeFileAtomic(const std::string& file, const std::string& content)
{
    const fs::path target(file);
    const fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".tmp-" + std::to_string(getpid()));
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out)
            throw Error("cannot write '" + file + "': " + std::strerror(errno));
        out << content;
        out.flush();
        if (!out) {
            std::error_code ec;
            fs::remove(tmp, ec);
            throw Error("cannot write '" + file + "': disk full or I/O error");
        }
    }
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) {
        fs::remove(tmp, ec);
        throw Error("cannot write '" + file + "': " + ec.message());
    }
}

void writeScoresCsv(const std::string& file, const Analysis& analysis, const std::vector<std::string>& methods,
                    const ScoreTable& table)
{
    std::ostringstream out;
    out << "dataset,index,path,label,prediction";
    for (const std::string& m : methods)
        out << ',' << m;
    out << '\n';
    // ID first, then OOD sets in the order given.
    std::vector<std::size_t> order;
    if (analysis.idIndex() >= 0)
        order.push_back(static_cast<std::size_t>(analysis.idIndex()));
    for (std::size_t o : analysis.oodIndices())
        order.push_back(o);
    for (std::size_t d : order) {
        const DatasetResult& r = analysis.results()[d];
        if (!r.ok())
            continue;
        const FeatureSet& f = r.features;
        for (std::size_t row = 0; row < f.rows; ++row) {
            out << csvField(r.spec.name) << ',' << f.index[row] << ',' << csvField(f.paths[row]) << ',' << f.labels[row] << ','
                << f.prediction(row);
            for (const std::string& m : methods) {
                const auto& col = table.at(m)[d];
                out << ',' << (row < col.size() ? number(col[row]) : "nan");
            }
            out << '\n';
        }
    }
    writeFileAtomic(file, out.str());
}

void writeMetricsCsv(const std::string& file, const std::vector<MetricsRow>& rows)
{
    std::ostringstream out;
    out << "method,ood,auroc,fpr95_id,fpr95_ood,aupr_in,aupr_out\n";
    for (const MetricsRow& r : rows)
        out << csvField(r.method) << ',' << csvField(r.ood) << ',' << number(r.metrics.auroc) << ','
            << number(r.metrics.fpr95_id) << ',' << number(r.metrics.fpr95_ood) << ',' << number(r.metrics.aupr_in) << ','
            << number(r.metrics.aupr_out) << '\n';
    writeFileAtomic(file, out.str());
}

void printMetricsTable(std::ostream& out, const std::vector<MetricsRow>& rows)
{
    std::size_t wm = 6, wo = 3;
    for (const MetricsRow& r : rows) {
        wm = std::max(wm, r.method.size());
        wo = std::max(wo, r.ood.size());
    }
    out << std::left << std::setw(int(wm)) << "method" << "  " << std::setw(int(wo)) << "OOD" << std::right << "   AUROC"
        << "  FPR95(ID+)" << "  FPR95(OOD+)" << "  AUPR-In" << "  AUPR-Out\n";
    auto pct = [](double v) {
        std::ostringstream s;
        s << std::fixed << std::setprecision(2) << 100.0 * v;
        return s.str();
    };
    for (const MetricsRow& r : rows) {
        out << std::left << std::setw(int(wm)) << r.method << "  " << std::setw(int(wo)) << r.ood << std::right << std::setw(8)
            << pct(r.metrics.auroc) << std::setw(12) << pct(r.metrics.fpr95_id) << std::setw(13) << pct(r.metrics.fpr95_ood)
            << std::setw(9) << pct(r.metrics.aupr_in) << std::setw(10) << pct(r.metrics.aupr_out);
        if (r.metrics.auroc < 0.5)
            out << "  (AUROC < 50: orientation reversed on this data)";
        if (r.metrics.nan_id + r.metrics.nan_ood > 0)
            out << "  (" << r.metrics.nan_id + r.metrics.nan_ood << " NaN scores left out)";
        out << '\n';
    }
    out << "Percent. FPR95(ID+): OOD accepted at 95% ID TPR (ODIN/Energy/GradNorm papers); "
           "FPR95(OOD+): ID flagged at 95% OOD TPR (OpenOOD v1.5).\n";
}

} // namespace oodlens
