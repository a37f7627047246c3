// SPDX-License-Identifier: GPL-3.0-or-later
// A real RunResult for the exploration tests: the bundled demo run through the core directly,
// filled in as AnalysisWorker does, with the closed-form scores (fast, and every group present).
#pragma once
#include "run/RunResult.h"
#include "run/Demo.h"
#include "common/Runtime.h"

#include <QFile>
#include <QTemporaryDir>

#include <memory>

namespace oodlens::ui::test {

inline RunResultPtr demoResult()
{
    static RunResultPtr cached;
    if (cached)
        return cached;
    // A private feature cache, so the tests never read or write the user's.
    static QTemporaryDir cacheDir;
    qputenv("OODLENS_CACHE_DIR", QFile::encodeName(cacheDir.path()));
    initRuntime(0);
    RunConfig config = demoConfig();
    config.cacheDir = cacheDir.path().toStdString();
    config.methods = {"gradnorm", "exgrad", "msp", "maxlogit", "energy", "gradterm", "gini", "feature_l1",
                      "feature_l2", "l1_x_msp", "mahalanobis"};
    Pipeline analysis(config);
    analysis.extractAll(nullptr);
    auto result = std::make_shared<RunResult>();
    result->methods = analysis.methods();
    result->scores = analysis.scoreTable(result->methods);
    result->metrics = analysis.metricsTable(result->scores);
    result->idIndex = analysis.idIndex();
    result->oodIndices = analysis.oodIndices();
    for (const DatasetResult& r : analysis.results()) {
        DatasetSummary d;
        d.name = r.spec.role == DatasetRole::Id ? std::string("mnist") : r.spec.name;
        d.path = r.spec.path;
        d.role = r.spec.role;
        d.kind = r.kind;
        d.items = r.items;
        d.rows = r.ok() ? r.features().rows : 0;
        d.error = r.error;
        result->datasets.push_back(d);
        result->features.push_back(r.featureSet);
    }
    result->head = analysis.model().head();
    result->model = analysis.model().info();
    result->params = analysis.config().params;
    cached = result;
    return cached;
}

} // namespace oodlens::ui::test
