// SPDX-License-Identifier: GPL-3.0-or-later
#include "io/Export.h"

#include "metrics/MetricColumns.h"

#include "common/Error.h"
#include "common/internal/RegularFile.h"
#include "methods/Registry.h"
#include "io/Json.h"
#include "io/ResultsTableExport.h"
#include "io/TextEscape.h"
#include "common/Runtime.h"

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <set>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace oodlens {

std::string exactNumber(double v)
{
    if (std::isnan(v))
        return "nan";
    if (std::isinf(v))
        return v > 0 ? "inf" : "-inf";
    // The shortest text that reads back as exactly v: scores.csv must let every metric be
    // recomputed from it (9 significant digits printed every tiny-logit MSP as 0.1).
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

namespace {

std::string number(double v) { return exactNumber(v); }

// Tables for people name methods by their labels (methodLabel(): "ExGrad (flipped)").
std::string rowLabel(const MetricsRow& row)
{
    return row.label.empty() ? methodLabel(row.method) : row.label;
}

} // namespace

namespace {

// A temporary name beside `target` (same folder, so that rename() replaces the target in one step),
// unique to this process and call.
fs::path temporaryBeside(const fs::path& target)
{
    static std::atomic<unsigned> counter{0};
    return target.parent_path() /
           ("." + target.filename().string() + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
}

// Writes `content` to `tmp` and checks every step (a full disk fails at write or at close).
void writeTemporary(const fs::path& tmp, const std::string& file, const std::string& content)
{
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) {
        const int error = errno; // before anything else can change it
        throw Error("cannot write '" + file + "': " + std::strerror(error));
    }
    bool ok = content.empty() || std::fwrite(content.data(), 1, content.size(), f) == content.size();
    int error = ok ? 0 : errno;
    if (ok && std::fflush(f) != 0) {
        ok = false;
        error = errno;
    }
    if (std::fclose(f) != 0 && ok) {
        ok = false;
        error = errno;
    }
    if (!ok) {
        std::error_code ignored;
        fs::remove(tmp, ignored);
        throw Error("cannot write '" + file + "': " + (error ? std::strerror(error) : "disk full or I/O error"));
    }
}

// Replaces `target` by `tmp`; the message keeps rename's own error (it was overwritten by the
// clean-up's and read "Success").
void renameInto(const fs::path& tmp, const fs::path& target, const std::string& file)
{
    replaceWithTemporary(tmp.string(), target.string(), "'" + file + "'");
}

} // namespace

void writeFileAtomic(const std::string& file, const std::string& content)
{
    const fs::path target(file);
    const fs::path tmp = temporaryBeside(target);
    writeTemporary(tmp, file, content);
    renameInto(tmp, target, file);
}

void OutputFiles::add(const std::string& name, std::string content)
{
    files_.emplace_back(name, std::move(content));
}

void OutputFiles::checkTargets(const std::string& dir, const std::vector<std::string>& names)
{
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw Error("cannot create output folder '" + dir + "': " + ec.message());
    if (!fs::is_directory(dir, ec))
        throw Error("cannot write to '" + dir + "': not a folder");
    for (const std::string& name : names) {
        const fs::path target = fs::path(dir) / name;
        const fs::file_status st = fs::symlink_status(target, ec);
        if (fs::exists(st) && !fs::is_regular_file(st) && !fs::is_symlink(st))
            throw Error("cannot write '" + target.string() + "': it exists and is not a file");
    }
    // A probe file: the folder takes new files (permissions, a read-only file system, quota).
    const fs::path probe = temporaryBeside(fs::path(dir) / ".oodlens-write-check");
    writeTemporary(probe, dir, std::string());
    fs::remove(probe, ec);
}

void OutputFiles::commit(const std::string& dir) const
{
    std::vector<std::string> names;
    for (const auto& f : files_)
        names.push_back(f.first);
    checkTargets(dir, names);
    const fs::path d(dir);
    // 1. Every new file beside its target; any failure removes what was written, nothing replaced.
    std::vector<fs::path> staged;
    auto removeStaged = [&] {
        std::error_code ignored;
        for (const fs::path& p : staged)
            fs::remove(p, ignored);
    };
    try {
        for (const auto& [name, content] : files_) {
            staged.push_back(temporaryBeside(d / name));
            writeTemporary(staged.back(), (d / name).string(), content);
        }
    } catch (const Error&) {
        staged.pop_back(); // writeTemporary removed its own file
        removeStaged();
        throw;
    }
    // 2. The old files step aside (renamed, so that they can come back), then the new ones move in;
    // a failure puts every old file back, so the folder holds one run or the other.
    std::vector<std::pair<fs::path, fs::path>> asides; // (target, its old file's temporary name)
    std::size_t moved = 0;
    auto rollBack = [&] {
        std::error_code ignored;
        for (std::size_t i = 0; i < moved; ++i)
            fs::remove(d / files_[i].first, ignored);
        for (const auto& [target, aside] : asides)
            fs::rename(aside, target, ignored);
        removeStaged();
    };
    try {
        for (const auto& [name, content] : files_) {
            const fs::path target = d / name;
            std::error_code ec;
            if (fs::exists(fs::symlink_status(target, ec))) {
                const fs::path aside = temporaryBeside(d / (name + ".old"));
                fs::rename(target, aside, ec);
                if (ec)
                    throw Error("cannot replace '" + target.string() + "': " + ec.message());
                asides.emplace_back(target, aside);
            }
        }
        for (; moved < files_.size(); ++moved) {
            const fs::path target = d / files_[moved].first;
            std::error_code ec;
            fs::rename(staged[moved], target, ec);
            if (ec)
                throw Error("cannot write '" + target.string() + "': " + ec.message());
        }
    } catch (const Error&) {
        rollBack();
        throw;
    }
    std::error_code ignored;
    for (const auto& aside : asides)
        fs::remove(aside.second, ignored);
}

std::string scoresCsv(const RunResult& result)
{
    const std::vector<std::string>& methods = result.methods;
    std::ostringstream out;
    out << "dataset,index,path,label,prediction";
    for (const std::string& m : methods)
        out << ',' << m;
    out << ",label_name,prediction_name"; // after the scores, so that older readers' columns stay put
    out << '\n';
    // ID first, then OOD sets in the order given.
    std::vector<std::size_t> order;
    if (result.idIndex >= 0)
        order.push_back(static_cast<std::size_t>(result.idIndex));
    for (std::size_t o : result.oodIndices)
        order.push_back(o);
    for (std::size_t d : order) {
        if (!result.datasets[d].ok())
            continue;
        const FeatureSet& f = *result.features[d];
        for (std::size_t row = 0; row < f.rows; ++row) {
            out << csvField(result.config.datasets[d].name) << ',' << f.index[row] << ',' << csvField(f.paths[row]) << ',' << f.labels[row] << ','
                << f.prediction(row);
            for (const std::string& m : methods) {
                const auto& col = result.scoresOf(m, d);
                out << ',' << (row < col.size() ? number(col[row]) : "nan");
            }
            out << ',' << csvField(result.labelName(d, f.labels[row])) << ','
                << csvField(result.className(f.prediction(row)));
            out << '\n';
        }
    }
    return out.str();
}

void writeScoresCsv(const std::string& file, const RunResult& result) { writeFileAtomic(file, scoresCsv(result)); }

std::string metricsCsv(const std::vector<MetricsRow>& rows)
{
    std::ostringstream out;
    out << "method,ood";
    for (const MetricColumn& c : metricColumns())
        out << ',' << c.id;
    out << ",label\n";
    for (const MetricsRow& r : rows) {
        out << csvField(r.method) << ',' << csvField(r.ood);
        for (const MetricColumn& c : metricColumns())
            out << ',' << number(c.of(r.metrics));
        out << ',' << csvField(rowLabel(r)) << '\n';
    }
    return out.str();
}

void writeMetricsCsv(const std::string& file, const std::vector<MetricsRow>& rows)
{
    writeFileAtomic(file, metricsCsv(rows));
}

void printMetricsTable(std::ostream& out, const std::vector<MetricsRow>& rows)
{
    // Ids, as --methods takes them, marked when flipped.
    auto name = [](const MetricsRow& r) { return r.flipped ? r.method + kFlippedMark : r.method; };
    std::size_t wm = 6, wo = 3;
    for (const MetricsRow& r : rows) {
        wm = std::max(wm, name(r).size());
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
        out << std::left << std::setw(int(wm)) << name(r) << "  " << std::setw(int(wo)) << r.ood << std::right << std::setw(8)
            << pct(r.metrics.auroc) << std::setw(12) << pct(r.metrics.fpr95_id) << std::setw(13) << pct(r.metrics.fpr95_ood)
            << std::setw(9) << pct(r.metrics.aupr_in) << std::setw(10) << pct(r.metrics.aupr_out);
        if (r.metrics.auroc < 0.5)
            out << "  (AUROC < 50: orientation reversed on this data; --param " << r.method << '.' << kFlipParam << '='
                << (r.flipped ? 0 : 1) << " flips it)";
        if (r.metrics.nan_id + r.metrics.nan_ood > 0)
            out << "  (" << r.metrics.nan_id + r.metrics.nan_ood << " NaN scores left out)";
        if (!r.note.empty())
            out << "  (" << r.note << ")";
        out << '\n';
    }
    out << "Percent. FPR95(ID+): OOD accepted at 95% ID TPR (ODIN/Energy/GradNorm papers); "
           "FPR95(OOD+): ID flagged at 95% OOD TPR (OpenOOD v1.5).\n";
}

namespace {

std::string percent(double v) { return percentText(v); }

Json intervalJson(const Interval& i)
{
    Json j = Json::array();
    j.push(i.lo);
    j.push(i.hi);
    return j;
}

} // namespace

Json binaryMetricsJson(const BinaryMetrics& m)
{
    Json o = Json::object();
    for (const MetricColumn& c : metricColumns()) {
        const double v = c.of(m);
        o.set(c.id, std::isfinite(v) ? Json(v) : Json());
    }
    o.set("n_id", static_cast<unsigned long long>(m.n_id));
    o.set("n_ood", static_cast<unsigned long long>(m.n_ood));
    return o;
}

std::string metricsJson(const std::vector<MetricsRow>& rows)
{
    Json all = Json::array();
    for (const MetricsRow& r : rows) {
        Json j = Json::object();
        j.set("method", r.method);
        j.set("label", rowLabel(r));
        j.set("ood", r.ood);
        if (!r.note.empty())
            j.set("note", r.note);
        for (const MetricColumn& c : metricColumns())
            j.set(c.id, c.of(r.metrics));
        j.set("detection_acc", r.metrics.detection_acc);
        j.set("threshold95", r.metrics.threshold95);
        j.set("n_id", static_cast<unsigned long long>(r.metrics.n_id));
        j.set("n_ood", static_cast<unsigned long long>(r.metrics.n_ood));
        j.set("nan_id", static_cast<unsigned long long>(r.metrics.nan_id));
        j.set("nan_ood", static_cast<unsigned long long>(r.metrics.nan_ood));
        j.set("inf_id", static_cast<unsigned long long>(r.metrics.inf_id));
        j.set("inf_ood", static_cast<unsigned long long>(r.metrics.inf_ood));
        if (r.hasIntervals) {
            Json ci = Json::object();
            ci.set("resamples", r.intervals.resamples);
            ci.set("seed", static_cast<unsigned long long>(r.intervals.seed));
            for (const MetricColumn& c : metricColumns())
                if (c.interval)
                    ci.set(c.id, intervalJson(c.of(r.intervals)));
            j.set("ci95", ci);
        }
        all.push(j);
    }
    Json doc = Json::object();
    doc.set("conventions", "fractions in [0,1]; fpr95_id: OOD accepted at 95% ID TPR (ID positive); "
                           "fpr95_ood: ID flagged at 95% OOD TPR (OOD positive); aupr_* = average precision");
    doc.set("rows", all);
    return doc.dump() + "\n";
}

void writeMetricsJson(const std::string& file, const std::vector<MetricsRow>& rows)
{
    writeFileAtomic(file, metricsJson(rows));
}

std::string metricsMarkdown(const std::vector<MetricsRow>& rows)
{
    std::ostringstream out;
    const std::vector<MetricColumn>& columns = metricColumns();
    const std::vector<std::vector<bool>> best = bestPerOodSet(rows);
    out << "| Method | OOD |";
    for (const MetricColumn& c : columns)
        out << ' ' << c.label << " |";
    out << "\n|---|---|";
    for (std::size_t i = 0; i < columns.size(); ++i)
        out << "---:|";
    out << '\n';
    for (std::size_t r = 0; r < rows.size(); ++r) {
        out << "| " << markdownCell(rowLabel(rows[r])) << " | " << markdownCell(rows[r].ood) << " |";
        for (std::size_t c = 0; c < columns.size(); ++c) {
            std::string cell = percent(columns[c].of(rows[r].metrics));
            if (rows[r].hasIntervals && columns[c].interval) {
                const Interval i = columns[c].of(rows[r].intervals);
                cell += " (" + percent(i.lo) + "-" + percent(i.hi) + ")";
            }
            out << ' ' << (best[r][c] ? "**" + cell + "**" : cell) << " |";
        }
        out << '\n';
    }
    out << "\nPercent. FPR@95 (ID+): OOD accepted at 95% ID TPR; FPR@95 (OOD+): ID flagged at 95% OOD TPR."
        << (rows.empty() || !rows[0].hasIntervals ? "" : " Brackets: bootstrap 95% intervals.") << '\n';
    return out.str();
}

std::string metricsLatex(const std::vector<MetricsRow>& rows)
{
    std::ostringstream out;
    const std::vector<MetricColumn>& columns = metricColumns();
    const std::vector<std::vector<bool>> best = bestPerOodSet(rows);
    out << "% Generated by OOD Lens. Needs \\usepackage{booktabs}.\n"
        << "\\begin{tabular}{ll" << std::string(columns.size(), 'r') << "}\n\\toprule\nMethod & OOD";
    for (const MetricColumn& c : columns)
        out << " & " << c.latex;
    out << " \\\\\n\\midrule\n";
    for (std::size_t r = 0; r < rows.size(); ++r) {
        out << latexText(rowLabel(rows[r])) << " & " << latexText(rows[r].ood);
        for (std::size_t c = 0; c < columns.size(); ++c) {
            std::string cell = percent(columns[c].of(rows[r].metrics));
            if (rows[r].hasIntervals && columns[c].interval) {
                const Interval i = columns[c].of(rows[r].intervals);
                cell += "\\,{\\scriptsize[" + percent(i.lo) + ", " + percent(i.hi) + "]}";
            }
            out << " & " << (best[r][c] ? "\\textbf{" + cell + "}" : cell);
        }
        out << " \\\\\n";
    }
    out << "\\bottomrule\n\\end{tabular}\n"
        << "% Percent. FPR95 ID+: OOD accepted at 95% ID TPR; FPR95 OOD+: ID flagged at 95% OOD TPR.\n";
    return out.str();
}

std::string ratioText(double ratio)
{
    if (!std::isfinite(ratio) || ratio <= 0)
        return "\u2013";
    char buf[48];
    std::snprintf(buf, sizeof buf, ratio >= 100 ? "%.0f\u00d7" : ratio >= 10 ? "%.1f\u00d7" : "%.2f\u00d7", ratio);
    return buf;
}

std::string durationText(double seconds)
{
    if (!std::isfinite(seconds))
        return "not measured";
    struct Unit {
        double scale;
        const char* name;
    };
    const Unit units[] = {{1, "s"}, {1e-3, "ms"}, {1e-6, "\u00b5s"}, {1e-9, "ns"}};
    const Unit* unit = &units[3];
    for (const Unit& u : units)
        if (std::fabs(seconds) >= u.scale) {
            unit = &u;
            break;
        }
    const double v = seconds / unit->scale;
    char buf[48];
    std::snprintf(buf, sizeof buf, v < 10 ? "%.2g %s" : "%.0f %s", v, unit->name);
    return buf;
}

std::string costsLine(const ScoringCosts& c)
{
    if (c.closedForm.empty() && c.autograd.empty() && !std::isfinite(c.forward) && !std::isfinite(c.fullBackward))
        return {};
    std::string line = "cost per image (" + c.device + "): forward " + durationText(c.forward) +
                       ", full backward (batch 1, " + std::to_string(c.fullBackwardImages) + " images) " +
                       durationText(c.fullBackward);
    std::set<std::string> ids;
    for (const auto& [id, v] : c.closedForm)
        ids.insert(id);
    for (const auto& [id, v] : c.autograd)
        ids.insert(id);
    for (const MethodInfo& m : methodRegistry()) { // registry order
        if (!ids.count(m.id))
            continue;
        if (auto a = c.autograd.find(m.id); a != c.autograd.end())
            line += ", " + m.label + " autograd " + durationText(a->second);
        if (auto f = c.closedForm.find(m.id); f != c.closedForm.end())
            line += ", " + m.label + " closed form " + durationText(f->second);
    }
    return line;
}

namespace {

// RunResult::costs as run.json's "costs" (seconds per image; null where not measured).
Json costsJson(const ScoringCosts& c)
{
    const auto seconds = [](double v) { return std::isfinite(v) ? Json(v) : Json(); };
    const auto perMethod = [&](const std::map<std::string, double>& values) {
        Json j = Json::object();
        for (const auto& [id, v] : values)
            j.set(id, seconds(v));
        return j;
    };
    Json j = Json::object();
    j.set("unit", "seconds per image");
    j.set("device", c.device);
    j.set("forward", seconds(c.forward));
    j.set("forward_images", static_cast<unsigned long long>(c.forwardImages));
    j.set("full_backward", seconds(c.fullBackward));
    j.set("full_backward_images", static_cast<unsigned long long>(c.fullBackwardImages));
    j.set("autograd", perMethod(c.autograd));
    j.set("autograd_images", static_cast<unsigned long long>(c.autogradImages));
    j.set("closed_form", perMethod(c.closedForm));
    j.set("closed_form_images", static_cast<unsigned long long>(c.closedFormImages));
    j.set("note", c.note);
    return j;
}

// RunResult::sweeps as run.json's "sweeps": the grid, every value's validation (and test)
// metrics, the chosen values and the validation pair they were chosen on.
Json sweepsJson(const RunResult& result)
{
    Json all = Json::array();
    for (const SweepResult& s : result.sweeps) {
        Json j = Json::object();
        j.set("method", s.request.method);
        j.set("sweep", s.request.text());
        Json params = Json::array();
        for (const std::string& p : s.params)
            params.push(p);
        j.set("params", params);
        j.set("metric", sweepObjectiveName(s.settings.objective));
        j.set("applied", result.config.applySweeps);
        j.set("validation_id", s.validationId);
        j.set("validation_id_images", static_cast<unsigned long long>(s.validationIdImages));
        j.set("test_id_images", static_cast<unsigned long long>(s.testIdImages));
        j.set("id_fraction", s.settings.idFraction);
        j.set("seed", static_cast<unsigned long long>(s.settings.seed));
        Json vo = Json::array(), to = Json::array();
        for (const std::string& n : s.validationOods)
            vo.push(n);
        for (const std::string& n : s.testOods)
            to.push(n);
        j.set("validation_ood", vo);
        j.set("test_ood", to);
        Json chosen = Json::object();
        if (const SweepPoint* c = s.chosen())
            for (const auto& [name, value] : c->values)
                chosen.set(name, value);
        j.set("chosen", chosen);
        Json points = Json::array();
        for (const SweepPoint& p : s.points) {
            Json pj = Json::object();
            Json values = Json::object();
            for (const auto& [name, value] : p.values)
                values.set(name, value);
            pj.set("values", values);
            pj.set("objective", std::isfinite(p.objective) ? Json(p.objective) : Json());
            Json v = Json::object();
            for (std::size_t i = 0; i < p.validation.size() && i < s.validationOods.size(); ++i)
                v.set(s.validationOods[i], binaryMetricsJson(p.validation[i]));
            pj.set("validation", v);
            Json t = Json::object();
            for (std::size_t i = 0; i < p.test.size() && i < s.testOods.size(); ++i)
                t.set(s.testOods[i], binaryMetricsJson(p.test[i]));
            pj.set("test", t);
            if (!p.ok())
                pj.set("error", p.error);
            points.push(pj);
        }
        j.set("points", points);
        if (!s.note.empty())
            j.set("note", s.note);
        all.push(j);
    }
    return all;
}

} // namespace

std::string sweepLine(const SweepResult& s)
{
    const bool auroc = s.settings.objective == SweepObjective::Auroc;
    const char* metric = auroc ? "AUROC" : "FPR@95";
    std::string vo;
    for (const std::string& n : s.validationOods)
        vo += (vo.empty() ? "" : ", ") + n;
    std::string line = "sweep " + s.request.text() + " (validation " + metric + ", " + s.validationId + " against " +
                       vo + "): ";
    const SweepPoint* c = s.chosen();
    if (!c)
        return line + "no value could be scored";
    const std::string values = sweepValuesText(c->values);
    line += "chosen " + values + ", " + percentText(c->objective) + " %";
    std::size_t failed = 0;
    for (const SweepPoint& p : s.points)
        failed += !p.ok();
    line += " (" + std::to_string(s.points.size()) + " values" +
            (failed ? ", " + std::to_string(failed) + " could not be used" : std::string()) + ")";
    if (!c->test.empty()) {
        line += std::string("; test ") + metric + " at " + values + ":";
        for (std::size_t i = 0; i < c->test.size() && i < s.testOods.size(); ++i)
            line += (i ? ", " : " ") + s.testOods[i] + " " + percentText(auroc ? c->test[i].auroc : c->test[i].fpr95_id) + " %";
    }
    return line;
}

std::string runJson(const RunResult& result, const std::string& commandLine)
{
    const ModelInfo& m = result.model;
    Json run = Json::object();
    run.set("tool", "OOD Lens");
    {
        const std::time_t t = std::time(nullptr);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
        run.set("date", buf);
    }
    run.set("command", commandLine);
    Json model = Json::object();
    model.set("path", m.path);
    model.set("sha256", m.sha256);
    model.set("classes", m.classes);
    model.set("feature_dim", m.featureDim);
    model.set("head", m.headName);
    model.set("features_from", m.featureSource);
    model.set("forward", m.forwardNote);           // the optimised copy or the plain module, and why
    model.set("optimized_forward", m.optimizedForward);
    model.set("sidecar", m.sidecarPath);
    model.set("device", m.device);
    model.set("class_names_from", result.classNamesSource); // empty: classes are known by number only
    run.set("model", model);

    const PreprocessSpec& p = result.preprocess;
    Json pre = Json::object();
    pre.set("spec", p.describe());
    pre.set("resize", p.resize);
    pre.set("crop", p.crop);
    pre.set("channels", p.channels);
    pre.set("height", p.height);
    pre.set("width", p.width);
    Json mean = Json::array(), stddev = Json::array();
    for (float v : p.mean)
        mean.push(double(v));
    for (float v : p.stddev)
        stddev.push(double(v));
    pre.set("mean", mean);
    pre.set("std", stddev);
    run.set("preprocessing", pre);

    Json sets = Json::array();
    for (std::size_t i = 0; i < result.datasets.size(); ++i) {
        const DatasetSummary& r = result.datasets[i];
        Json d = Json::object();
        d.set("name", result.config.datasets[i].name);
        d.set("role", datasetRoleName(r.role));
        d.set("path", r.path);
        d.set("kind", r.kind);
        d.set("items", static_cast<unsigned long long>(r.items));
        d.set("scored", static_cast<unsigned long long>(r.rows));
        d.set("fingerprint", r.fingerprint);
        d.set("from_cache", r.fromCache);
        Json skipped = Json::array();
        for (const std::string& s : result.features[i]->skipped)
            skipped.push(s);
        d.set("skipped", skipped);
        // Which shards the features came from (oodlens-cli extract --shard): none when whole.
        if (!r.shards.empty()) {
            Json shards = Json::array();
            for (const ShardPart& part : r.shards) {
                Json sh = Json::object();
                sh.set("shard", part.shard.text());
                sh.set("first_item", static_cast<unsigned long long>(part.items.begin));
                sh.set("end_item", static_cast<unsigned long long>(part.items.end));
                sh.set("cache_file", part.cacheFile);
                sh.set("extracted_here", part.extractedHere);
                shards.push(sh);
            }
            d.set("shards", shards);
        }
        if (!r.ok())
            d.set("error", r.error);
        sets.push(d);
    }
    run.set("datasets", sets);

    Json ms = Json::array();
    for (const std::string& id : result.methods) {
        Json j = Json::object();
        j.set("id", id);
        if (const MethodInfo* info = findMethod(id)) {
            j.set("label", methodLabel(id, result.params));
            j.set("flipped", isFlipped(id, result.params));
            j.set("group", methodGroupName(info->group));
            Json params = Json::object();
            for (const ParamSpec& ps : info->params)
                params.set(ps.name, result.params.value(id, ps));
            j.set("params", params);
            if (info->fit) {
                if (auto it = result.fitNotes.find(id); it != result.fitNotes.end())
                    j.set("fit", it->second);
                else
                    j.set("fit_error", "not fitted");
            }
        }
        ms.push(j);
    }
    run.set("methods", ms);
    run.set("costs", costsJson(result.costs));
    run.set("sweeps", sweepsJson(result));
    Json env = Json::object();
    env.set("libraries", libraryVersions());
    env.set("threads", runtimeThreads());
    env.set("batch_size", result.config.batchSize);
    env.set("feature_cache", result.config.cacheDir);
    run.set("environment", env);
    return run.dump() + "\n";
}

void writeRunJson(const std::string& file, const RunResult& result, const std::string& commandLine)
{
    writeFileAtomic(file, runJson(result, commandLine));
}

OutputFiles runFiles(const RunResult& result, const std::string& commandLine)
{
    OutputFiles files;
    files.add("scores.csv", scoresCsv(result));
    files.add("metrics.csv", metricsCsv(result.metrics));
    files.add("metrics.json", metricsJson(result.metrics));
    files.add("metrics.md", metricsMarkdown(result.metrics));
    files.add("metrics.tex", metricsLatex(result.metrics));
    files.add("run.json", runJson(result, commandLine));
    // The OpenOOD-style results table (results_table.{tex,md,csv}).
    for (auto& [name, content] : resultsTableFiles(buildResultsTable(result)))
        files.add(name, std::move(content));
    return files;
}

const std::vector<std::string>& runFileNames()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n{"scores.csv", "metrics.csv", "metrics.json", "metrics.md", "metrics.tex", "run.json"};
        for (const char* ext : {".tex", ".md", ".csv"})
            n.push_back(std::string(kResultsTableBaseName) + ext);
        return n;
    }();
    return names;
}

void checkOutputFolder(const std::string& dir) { OutputFiles::checkTargets(dir, runFileNames()); }

void writeRunFiles(const std::string& dir, const RunResult& result, const std::string& commandLine)
{
    runFiles(result, commandLine).commit(dir);
}

} // namespace oodlens
