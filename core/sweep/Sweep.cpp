// SPDX-License-Identifier: GPL-3.0-or-later
#include "sweep/Sweep.h"

#include "common/Error.h"
#include "common/Progress.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace oodlens {
namespace {

// The rows of `scores` where `mask` is `keep`.
std::vector<double> rowsWhere(const std::vector<double>& scores, const std::vector<bool>& mask, bool keep)
{
    std::vector<double> out;
    for (std::size_t i = 0; i < scores.size() && i < mask.size(); ++i)
        if (mask[i] == keep)
            out.push_back(scores[i]);
    return out;
}

double objectiveOf(const BinaryMetrics& m, SweepObjective objective)
{
    return objective == SweepObjective::Auroc ? m.auroc : m.fpr95_id;
}

} // namespace

const char* sweepObjectiveName(SweepObjective objective)
{
    return objective == SweepObjective::Auroc ? "auroc" : "fpr95";
}

SweepObjective parseSweepObjective(const std::string& text)
{
    if (text == "auroc")
        return SweepObjective::Auroc;
    if (text == "fpr95")
        return SweepObjective::Fpr95;
    throw Error("unknown sweep metric '" + text + "': use auroc (highest AUROC) or fpr95 (lowest FPR at 95 % ID TPR)");
}

SweepRequest SweepRequest::parse(const std::string& text)
{
    SweepRequest r;
    const auto dot = text.find('.');
    r.method = text.substr(0, dot);
    const MethodInfo* m = findMethod(r.method);
    if (!m)
        throw Error("--sweep " + text + ": unknown method '" + r.method + "' (oodlens-cli methods lists them)");
    if (dot != std::string::npos) {
        const std::string name = text.substr(dot + 1);
        const ParamSpec* p = m->param(name);
        if (!p) {
            std::string names;
            for (const ParamSpec& s : m->params)
                names += (names.empty() ? "" : ", ") + s.name;
            throw Error("--sweep " + text + ": " + r.method + " has no parameter '" + name + "' (it has: " + names + ")");
        }
        if (p->grid.empty())
            throw Error("--sweep " + text + ": " + r.method + "." + name + " has no sweep grid; set it with --param " +
                        r.method + "." + name + "=VALUE");
        r.params.push_back(name);
    }
    if (r.sweptParams().empty())
        throw Error("--sweep " + text + ": " + m->label + " has no parameter to sweep");
    return r;
}

std::string SweepRequest::text() const
{
    std::string t = method;
    for (const std::string& p : params)
        t += "." + p;
    return t;
}

std::vector<std::string> SweepRequest::sweptParams() const
{
    std::vector<std::string> out;
    for (const ParamSpec& p : requireMethod(method).params)
        if (!p.grid.empty() && (params.empty() || std::find(params.begin(), params.end(), p.name) != params.end()))
            out.push_back(p.name);
    return out;
}

std::vector<SweepValues> sweepGrid(const SweepRequest& request)
{
    const MethodInfo& m = requireMethod(request.method);
    std::vector<SweepValues> points{SweepValues{}};
    for (const std::string& name : request.sweptParams()) {
        std::vector<SweepValues> next;
        for (const SweepValues& base : points)
            for (double v : m.param(name)->grid) {
                SweepValues p = base;
                p[name] = v;
                next.push_back(std::move(p));
            }
        points = std::move(next);
    }
    return points;
}

ScoreParams withSweepValues(const ScoreParams& base, const std::string& method, const SweepValues& point)
{
    ScoreParams p = base;
    for (const auto& [name, value] : point)
        p.set(method + "." + name, value);
    return p;
}

std::string sweepValuesText(const SweepValues& point)
{
    std::ostringstream o;
    bool first = true;
    for (const auto& [name, value] : point) {
        o << (first ? "" : ", ") << name << "=" << value;
        first = false;
    }
    return o.str();
}

int chooseSweepPoint(const std::vector<SweepPoint>& points, SweepObjective objective)
{
    int best = -1;
    for (std::size_t i = 0; i < points.size(); ++i) {
        const SweepPoint& p = points[i];
        if (!p.ok() || std::isnan(p.objective))
            continue;
        const double b = best < 0 ? 0 : points[static_cast<std::size_t>(best)].objective;
        if (best < 0 || (objective == SweepObjective::Auroc ? p.objective > b : p.objective < b))
            best = static_cast<int>(i);
    }
    return best;
}

SweepResult runSweep(const SweepRequest& request, const SweepSettings& settings, const ScoreParams& base,
                     const SweepInputs& in, const ProgressSink* cancel)
{
    const MethodInfo& m = requireMethod(request.method);
    SweepResult r;
    r.request = request;
    r.settings = settings;
    r.params = request.sweptParams();
    if (in.validationOods.empty())
        throw Error("sweeping " + m.label + " needs a validation OOD set (--val-ood NAME=PATH): values are chosen on a "
                    "validation pair, never on the test OOD sets");
    const bool split = in.validationIdDataset < 0;
    if (split) {
        const auto validation = static_cast<std::size_t>(std::count(in.idValidationRows.begin(), in.idValidationRows.end(), true));
        r.validationIdImages = validation;
        r.testIdImages = in.idValidationRows.size() - validation;
        if (validation == 0 || r.testIdImages == 0)
            throw Error("sweeping " + m.label + ": the ID set '" + in.idName + "' has " +
                        std::to_string(in.idValidationRows.size()) + " images, too few to split a validation part off it (" +
                        std::to_string(validation) + " would be validation); give an ID validation set (--val-id PATH)");
        std::ostringstream o;
        o << in.idName << " (seeded validation part: " << validation << " of " << in.idValidationRows.size()
          << " images, seed " << settings.seed << ")";
        r.validationId = o.str();
    } else {
        r.validationId = in.validationIdName;
        r.testIdImages = in.idRows;
    }
    for (const auto& [dataset, name] : in.validationOods)
        r.validationOods.push_back(name);
    for (const auto& [dataset, name] : in.testOods)
        r.testOods.push_back(name);

    // Phase 1: the validation pair only.
    for (const SweepValues& values : sweepGrid(request)) {
        throwIfCancelled(cancel);
        SweepPoint point;
        point.values = values;
        const ScoreParams params = withSweepValues(base, m.id, values);
        try {
            params.resolve(m); // a grid value outside the range is a registry error, named here
            std::vector<double> id = split ? rowsWhere(in.scores(params, in.idDataset), in.idValidationRows, true)
                                           : in.scores(params, static_cast<std::size_t>(in.validationIdDataset));
            r.validationIdImages = id.size();
            double sum = 0;
            for (const auto& [dataset, name] : in.validationOods) {
                point.validation.push_back(computeMetrics(id, in.scores(params, dataset)));
                sum += objectiveOf(point.validation.back(), settings.objective);
            }
            point.objective = sum / static_cast<double>(in.validationOods.size());
        } catch (const Cancelled&) {
            throw;
        } catch (const Error& e) {
            point.error = e.what();
            point.validation.clear();
            point.objective = std::nan("");
        }
        r.points.push_back(std::move(point));
    }
    r.best = chooseSweepPoint(r.points, settings.objective);
    if (r.best < 0) {
        std::string why = r.points.empty() ? std::string("no grid values") : r.points.front().error;
        throw Error("sweeping " + request.text() + ": no value could be scored on the validation pair (" + why + ")");
    }

    // Phase 2, after the choice: the test OOD sets against the ID test images not used for validation.
    for (std::size_t i = 0; i < r.points.size(); ++i) {
        SweepPoint& point = r.points[i];
        if (!point.ok() || (!in.testEveryValue && static_cast<int>(i) != r.best))
            continue;
        throwIfCancelled(cancel);
        const ScoreParams params = withSweepValues(base, m.id, point.values);
        try {
            const std::vector<double> all = in.scores(params, in.idDataset);
            const std::vector<double> id = split ? rowsWhere(all, in.idValidationRows, false) : all;
            for (const auto& [dataset, name] : in.testOods)
                point.test.push_back(computeMetrics(id, in.scores(params, dataset)));
        } catch (const Cancelled&) {
            throw;
        } catch (const Error& e) {
            point.test.clear();
            point.error = "test: " + std::string(e.what());
        }
    }
    if (!in.testEveryValue)
        r.note = "test metrics at the chosen value only: " + m.label + " runs the model again for every value";
    return r;
}

} // namespace oodlens
