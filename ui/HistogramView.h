// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "HistogramBins.h"

#include <QColor>
#include <QString>
#include <qcustomplot.h>

#include <vector>

namespace oodlens::ui {

// One dataset's scores for the histogram.
struct ScoreSeries {
    QString name;
    QColor color;
    std::vector<double> scores;
};

// Score histograms of the ID set and every OOD set on shared bin edges (CloudCompare's
// ccHistogramWindow): step outlines with translucent fill, one colour per dataset, counts of
// non-finite scores in the legend and in a note, since they cannot be drawn on a bin.
class HistogramView : public QCustomPlot {
    Q_OBJECT

public:
    explicit HistogramView(QWidget* parent = nullptr);

    // `scoreLabel` names the score ("GradNorm"); one graph per series, in order.
    void showScores(const QString& scoreLabel, const std::vector<ScoreSeries>& series);
    // Empties the plot and shows `message` in its place.
    void clearScores(const QString& message);
    // A logarithmic count axis shows the thin tail of one set next to the tall peak of another
    // (MSP piles most ID images into its last bin).
    void setLogCounts(bool log);
    bool logCounts() const { return logCounts_; }

    const SharedHistogram& histogram() const { return histogram_; }
    QString title() const;
    // The note about non-finite scores ("3 NaN scores not drawn"), empty when there are none.
    QString nonFiniteNote() const;

private:
    QCPTextElement* title_;
    QCPItemText* placeholder_;
    QCPItemText* note_;
    SharedHistogram histogram_;
    std::size_t maxCount_ = 0;
    bool logCounts_ = false;

    void applyCountAxis();
};

} // namespace oodlens::ui
