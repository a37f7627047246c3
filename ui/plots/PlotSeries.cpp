// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/PlotSeries.h"

#include "docks/MethodLabels.h"
#include "plots/OkabeIto.h"

namespace oodlens::ui {

std::vector<ScoreSeries> histogramSeriesOf(const RunResult& result, const std::string& method)
{
    std::vector<ScoreSeries> series;
    if (result.idIndex < 0)
        return series;
    const auto id = static_cast<std::size_t>(result.idIndex);
    series.push_back({HistogramView::tr("ID: %1").arg(QString::fromStdString(result.datasets[id].name)),
                      datasetColor(0), result.scoresOf(method, id)});
    int slot = 1;
    for (std::size_t ood : result.oodIndices)
        series.push_back({HistogramView::tr("OOD: %1").arg(QString::fromStdString(result.datasets[ood].name)),
                          datasetColor(slot++), result.scoresOf(method, ood)});
    return series;
}

CurveSet curveSeriesOf(const RunResult& result, const std::vector<std::string>& methods)
{
    CurveSet set;
    if (result.idIndex < 0)
        return set;
    const bool several = methods.size() > 1;
    const auto id = static_cast<std::size_t>(result.idIndex);
    for (std::size_t mi = 0; mi < methods.size(); ++mi) {
        const std::string& m = methods[mi];
        const std::vector<double>& idScores = result.scoresOf(m, id);
        int oodSlot = 0;
        for (std::size_t ood : result.oodIndices) {
            const int slot = oodSlot++;
            const MetricsRow* row = result.metricsOf(m, result.datasets[ood].name);
            if (!row)
                continue;
            const std::vector<double>& oodScores = result.scoresOf(m, ood);
            const QString oodName = QString::fromStdString(result.datasets[ood].name);
            QString name = oodName;
            if (several)
                name = methodDisplayLabel(m, result.params) +
                       (result.oodIndices.size() > 1 ? QStringLiteral(" / ") + oodName : QString());
            // One method: a colour per OOD set. Several: a colour and line style per method, a
            // marker per OOD set.
            const MethodLook look = several ? methodLook(int(mi)) : MethodLook{datasetColor(slot + 1), Qt::SolidLine};
            const int marker = several ? oodMarker(slot) : 0;
            set.roc.push_back({name, look.color, rocCurve(idScores, oodScores), row->metrics.auroc, look.style, marker});
            set.pr.push_back(
                {name, look.color, prCurve(idScores, oodScores, true), row->metrics.aupr_in, look.style, marker});
            set.keys.emplace_back(m, ood);
        }
    }
    return set;
}

} // namespace oodlens::ui
