// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/MetricColumns.h"

#include "run/RunResult.h"

#include <cmath>

namespace oodlens {

const std::vector<MetricColumn>& metricColumns()
{
    static const std::vector<MetricColumn> columns{
        {"auroc", "AUROC", "AUROC$\\uparrow$", &BinaryMetrics::auroc, &BootstrapIntervals::auroc, true},
        {"fpr95_id", "FPR@95 (ID+)", "FPR95$_{\\mathrm{ID}+}\\downarrow$", &BinaryMetrics::fpr95_id,
         &BootstrapIntervals::fpr95_id, false},
        {"fpr95_ood", "FPR@95 (OOD+)", "FPR95$_{\\mathrm{OOD}+}\\downarrow$", &BinaryMetrics::fpr95_ood,
         &BootstrapIntervals::fpr95_ood, false},
        {"aupr_in", "AUPR-In", "AUPR-In$\\uparrow$", &BinaryMetrics::aupr_in, &BootstrapIntervals::aupr_in, true},
        {"aupr_out", "AUPR-Out", "AUPR-Out$\\uparrow$", &BinaryMetrics::aupr_out, &BootstrapIntervals::aupr_out,
         true},
        {"ccr_1e-4", "CCR@1e-4", "CCR@$10^{-4}\\uparrow$", &BinaryMetrics::ccr_1e4, nullptr, true},
        {"ccr_1e-3", "CCR@1e-3", "CCR@$10^{-3}\\uparrow$", &BinaryMetrics::ccr_1e3, nullptr, true},
        {"ccr_1e-2", "CCR@1e-2", "CCR@$10^{-2}\\uparrow$", &BinaryMetrics::ccr_1e2, nullptr, true},
        {"ccr_1e-1", "CCR@1e-1", "CCR@$10^{-1}\\uparrow$", &BinaryMetrics::ccr_1e1, nullptr, true},
        {"aurc", "AURC", "AURC$\\downarrow$", &BinaryMetrics::aurc, nullptr, false},
    };
    return columns;
}

std::vector<std::vector<bool>> bestPerOodSet(const std::vector<MetricsRow>& rows)
{
    const std::vector<MetricColumn>& columns = metricColumns();
    std::vector<std::vector<bool>> best(rows.size(), std::vector<bool>(columns.size(), false));
    for (std::size_t c = 0; c < columns.size(); ++c)
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const double v = columns[c].of(rows[i].metrics);
            bool isBest = std::isfinite(v);
            std::size_t peers = 0;
            for (std::size_t j = 0; j < rows.size() && isBest; ++j) {
                if (rows[j].ood != rows[i].ood)
                    continue;
                ++peers;
                const double w = columns[c].of(rows[j].metrics);
                isBest = !(columns[c].higherIsBetter ? w > v : w < v);
            }
            best[i][c] = isBest && peers > 1;
        }
    return best;
}

} // namespace oodlens
