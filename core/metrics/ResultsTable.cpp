// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/ResultsTable.h"

#include "metrics/Deployment.h"

#include "methods/Registry.h"
#include "run/RunResult.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace oodlens {
namespace {

const MetricColumn* metricColumn(const char* id)
{
    for (const MetricColumn& c : metricColumns())
        if (std::strcmp(c.id, id) == 0)
            return &c;
    return nullptr;
}

double mean(const std::vector<std::vector<double>>& values, const std::vector<std::size_t>& members, std::size_t metric)
{
    if (members.empty())
        return std::numeric_limits<double>::quiet_NaN();
    double sum = 0;
    for (std::size_t c : members)
        sum += values[c][metric]; // a NaN member makes the mean NaN: no silent averaging over fewer sets
    return sum / double(members.size());
}

// The group of dataset `index` ("" when the config does not say: a result built by hand).
const std::string& groupOf(const RunResult& result, std::size_t index)
{
    static const std::string none;
    return index < result.config.datasets.size() ? result.config.datasets[index].group : none;
}

} // namespace

std::optional<ClassificationAccuracy> classificationAccuracy(const FeatureSet& set)
{
    ClassificationAccuracy a;
    a.rows = set.rows;
    for (signed char c : correctness(set)) {
        a.labelled += c >= 0;
        a.correct += c == 1;
    }
    if (a.labelled == 0)
        return std::nullopt;
    a.accuracy = double(a.correct) / double(a.labelled);
    return a;
}

bool ResultsTable::isBest(std::size_t row, std::size_t column, std::size_t metric) const
{
    return row < best.size() && column < best[row].size() && metric < best[row][column].size() &&
           best[row][column][metric];
}

ResultsTable buildResultsTable(const RunResult& result)
{
    ResultsTable t;
    t.metrics = {metricColumn("auroc"), metricColumn("fpr95_id")};

    // OOD set columns, grouped.
    std::vector<std::string> groups; // in order of first appearance
    for (std::size_t o : result.oodIndices) {
        const std::string& g = groupOf(result, o);
        if (!g.empty() && std::find(groups.begin(), groups.end(), g) == groups.end())
            groups.push_back(g);
    }
    std::vector<std::size_t> datasetOf; // OodSet column -> dataset index
    auto addSets = [&](const std::string& group) {
        std::vector<std::size_t> members;
        for (std::size_t o : result.oodIndices)
            if (groupOf(result, o) == group) {
                ResultsTable::Column c;
                c.kind = ResultsTable::ColumnKind::OodSet;
                c.name = result.datasets[o].name;
                c.group = group;
                members.push_back(t.columns.size());
                t.columns.push_back(c);
                datasetOf.push_back(o);
            }
        return members;
    };
    std::vector<std::size_t> all;
    for (const std::string& g : groups) {
        std::vector<std::size_t> members = addSets(g);
        all.insert(all.end(), members.begin(), members.end());
        ResultsTable::Column c;
        c.kind = ResultsTable::ColumnKind::GroupMean;
        c.name = g;
        c.group = g;
        c.members = std::move(members);
        t.columns.push_back(std::move(c));
    }
    {
        std::vector<std::size_t> members = addSets("");
        all.insert(all.end(), members.begin(), members.end());
    }
    if (!all.empty()) {
        ResultsTable::Column c;
        c.kind = ResultsTable::ColumnKind::Mean;
        c.name = "Mean";
        c.members = all;
        t.columns.push_back(std::move(c));
    }

    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const std::string& method : result.methods) {
        ResultsTable::Row row;
        row.method = method;
        row.label = methodLabel(method, result.params);
        row.flipped = isFlipped(method, result.params);
        row.values.assign(t.columns.size(), std::vector<double>(t.metrics.size(), nan));
        bool any = false;
        std::size_t set = 0;
        for (std::size_t c = 0; c < t.columns.size(); ++c) {
            if (t.columns[c].kind != ResultsTable::ColumnKind::OodSet)
                continue;
            if (const MetricsRow* m = result.metricsOf(method, result.datasets[datasetOf[set]].name)) {
                any = true;
                for (std::size_t k = 0; k < t.metrics.size(); ++k)
                    row.values[c][k] = t.metrics[k]->of(m->metrics);
            }
            ++set;
        }
        if (!any)
            continue; // not scored (yet): no row of NaNs
        for (std::size_t c = 0; c < t.columns.size(); ++c)
            if (t.columns[c].kind != ResultsTable::ColumnKind::OodSet)
                for (std::size_t k = 0; k < t.metrics.size(); ++k)
                    row.values[c][k] = mean(row.values, t.columns[c].members, k);
        t.rows.push_back(std::move(row));
    }

    t.best.assign(t.rows.size(), std::vector<std::vector<bool>>(t.columns.size(),
                                                                std::vector<bool>(t.metrics.size(), false)));
    for (std::size_t c = 0; c < t.columns.size(); ++c)
        for (std::size_t k = 0; k < t.metrics.size(); ++k) {
            const bool higher = t.metrics[k]->higherIsBetter;
            double bestValue = nan;
            std::size_t finite = 0;
            for (const ResultsTable::Row& r : t.rows) {
                const double v = r.values[c][k];
                if (!std::isfinite(v))
                    continue;
                ++finite;
                if (std::isnan(bestValue) || (higher ? v > bestValue : v < bestValue))
                    bestValue = v;
            }
            if (finite < 2)
                continue;
            for (std::size_t r = 0; r < t.rows.size(); ++r)
                t.best[r][c][k] = t.rows[r].values[c][k] == bestValue;
        }

    if (result.idIndex >= 0) {
        const auto id = static_cast<std::size_t>(result.idIndex);
        t.idName = result.datasets[id].name;
        if (id < result.features.size() && result.features[id] && result.datasets[id].ok())
            t.idAccuracy = classificationAccuracy(*result.features[id]);
    }
    return t;
}

} // namespace oodlens
