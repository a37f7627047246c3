// SPDX-License-Identifier: GPL-3.0-or-later
#include "apply/CurrentDetector.h"

#include "common/Error.h"
#include "methods/Registry.h"
#include "workspace/Workspace.h"

#include <cmath>

namespace oodlens::ui {

CurrentDetectorJob currentDetectorJob(const Workspace& workspace)
{
    CurrentDetectorJob job;
    job.result = workspace.result();
    if (!job.result)
        throw Error("run the analysis first: a detector is a scored method at a threshold");
    const std::string method = workspace.currentMethod().toStdString();
    if (!workspace.hasScores(workspace.currentMethod()))
        throw Error("the current result has no scores of '" + method + "'");
    if (requireMethod(method).images)
        throw Error(requireMethod(method).label + " needs a second pass over the images, which detectors do not make");
    if (std::isnan(workspace.threshold()))
        throw Error("the current method has no threshold (no ID scores)");
    job.request.method = method;
    job.request.target = CalibrationTarget::Threshold;
    job.request.value = workspace.threshold();
    job.request.fraction = 0;
    return job;
}

Detector currentDetector(const Workspace& workspace) { return currentDetectorJob(workspace).run(); }

} // namespace oodlens::ui
