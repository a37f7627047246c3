// SPDX-License-Identifier: GPL-3.0-or-later
#include "apply/CurrentDetector.h"

#include "common/Error.h"
#include "detector/Calibration.h"
#include "workspace/Workspace.h"

#include <cmath>

namespace oodlens::ui {

Detector currentDetector(const Workspace& workspace)
{
    const RunResultPtr result = workspace.result();
    if (!result)
        throw Error("run the analysis first: a detector is a scored method at a threshold");
    const std::string method = workspace.currentMethod().toStdString();
    if (!workspace.hasScores(workspace.currentMethod()))
        throw Error("the current result has no scores of '" + method + "'");
    if (std::isnan(workspace.threshold()))
        throw Error("the current method has no threshold (no ID scores)");
    CalibrationRequest request;
    request.method = method;
    request.target = CalibrationTarget::Threshold;
    request.value = workspace.threshold();
    request.fraction = 0;
    return calibrateDetector(*result, request);
}

} // namespace oodlens::ui
