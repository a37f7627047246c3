// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/HeadlessCommand.h"

#include <QByteArray>
#include <QtGlobal>

#include <iostream>
#include <string>

namespace oodlens::ui {
namespace {

class DatasetNames final : public RunObserver {
public:
    void datasetFinished(std::size_t, const DatasetSummary& d) override
    {
        std::cerr << "  " << d.name << ": "
                  << (d.error.empty() ? std::to_string(d.rows) + " images" + (d.fromCache ? " (cache)" : "") : d.error)
                  << "\n";
    }
};

} // namespace

void drawOffscreenWithoutDisplay()
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY") &&
        qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY"))
        qputenv("QT_QPA_PLATFORM", QByteArrayLiteral("offscreen"));
}

RunResultPtr runNamingDatasets(const RunConfig& config)
{
    DatasetNames progress;
    return runOnce(config, &progress);
}

} // namespace oodlens::ui
