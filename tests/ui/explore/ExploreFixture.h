// SPDX-License-Identifier: GPL-3.0-or-later
// A real RunResult for the exploration tests: the bundled demo run through the core directly,
// through the same Pipeline as the GUI and the CLI, with the closed-form scores (fast, and every
// group present).
#pragma once
#include "run/Pipeline.h"
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
    RunResultPtr result = runOnce(config);
    cached = result;
    return cached;
}

} // namespace oodlens::ui::test
