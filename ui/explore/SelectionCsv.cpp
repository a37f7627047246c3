// SPDX-License-Identifier: GPL-3.0-or-later
#include "explore/SelectionCsv.h"

#include "common/Error.h"
#include "io/Export.h"

#include <QFile>

#include <cstdio>
#include <string>

namespace oodlens::ui {
namespace {

std::string numberText(double v)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", v);
    return buffer;
}

} // namespace

QString selectionCsv(const RunResult& result, const QVector<ImageRef>& images)
{
    std::string out = "dataset,row,index,path,label,prediction";
    for (const std::string& m : result.methods)
        out += "," + csvField(m);
    out += ",label_name,prediction_name\n"; // after the scores, as in scores.csv
    for (const ImageRef& ref : images) {
        const auto d = static_cast<std::size_t>(ref.dataset);
        const auto row = static_cast<std::size_t>(ref.row);
        if (!ref.isValid() || d >= result.features.size() || !result.features[d] || row >= result.features[d]->rows)
            continue;
        const FeatureSet& set = *result.features[d];
        out += csvField(result.datasets[d].name) + "," + std::to_string(row) + "," +
               std::to_string(row < set.index.size() ? set.index[row] : row) + "," +
               csvField(row < set.paths.size() ? set.paths[row] : std::string()) + "," +
               std::to_string(row < set.labels.size() ? set.labels[row] : -1) + "," + std::to_string(set.prediction(row));
        for (const std::string& m : result.methods) {
            const std::vector<double>& s = result.scoresOf(m, d);
            out += "," + (row < s.size() ? numberText(s[row]) : std::string());
        }
        out += "," + csvField(result.labelName(d, row < set.labels.size() ? set.labels[row] : -1)) + "," +
               csvField(result.className(set.prediction(row)));
        out += "\n";
    }
    return QString::fromStdString(out);
}

QString writeSelectionCsv(const QString& file, const RunResult& result, const QVector<ImageRef>& images)
{
    try {
        writeFileAtomic(QFile::encodeName(file).toStdString(), selectionCsv(result, images).toStdString());
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace oodlens::ui
