// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "metrics/HistogramBins.h"

#include <QColor>
#include <QString>
#include <qcustomplot.h>

#include <vector>

namespace oodlens::ui {

class PlotFit;

// One dataset's scores for the histogram.
struct ScoreSeries {
    QString name;
    QColor color;
    std::vector<double> scores;
};

// Score histograms of the ID set and every OOD set on shared bin edges (CloudCompare's
// ccHistogramWindow): step outlines with translucent fill, one colour per dataset, counts of
// non-finite scores in the legend and in a note, since they cannot be drawn on a bin. The decision
// threshold is a vertical line on a buffered layer of its own: dragging it (or clicking beside
// it with Shift) reports each new position through thresholdDragged, and setThreshold moves it
// repainting only that layer.
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

    // Counts per bin, or a density (each set integrates to 1) so that sets of different sizes compare.
    void setDensity(bool density);
    bool density() const { return density_; }
    // Number of bins; 0 picks one from the data (Freedman-Diaconis).
    void setBinCount(int bins);
    int binCount() const { return bins_; }

    // Moves the threshold line (score units); NaN hides it.
    void setThreshold(double threshold);
    double threshold() const { return threshold_; }
    QCPItemStraightLine* thresholdLine() const { return thresholdLine_; }
    // Repaints only the threshold layer (cheap: for each threshold move).
    void replotThreshold();

    const SharedHistogram& histogram() const { return histogram_; }
    QString title() const;
    // The text shown in place of the plot (empty while scores are drawn).
    QString message() const;
    // The note about non-finite scores ("3 NaN scores not drawn"), empty when there are none.
    QString nonFiniteNote() const;

signals:
    // The user dragged the threshold line to `threshold` (score units).
    void thresholdDragged(double threshold);

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    bool nearThresholdLine(const QPoint& pos) const;
    void redraw();

    QCPTextElement* title_;
    PlotFit* fit_;
    QCPItemText* placeholder_;
    QString message_; // the placeholder's full text
    QCPItemText* note_;
    SharedHistogram histogram_;
    QCPItemStraightLine* thresholdLine_;
    QCPItemText* thresholdLabel_;
    QCPLayer* thresholdLayer_;
    QString scoreLabel_;
    std::vector<ScoreSeries> series_;
    double maxCount_ = 0;
    double threshold_ = 0;
    int bins_ = 0;
    bool logCounts_ = false;
    bool density_ = false;
    bool dragging_ = false;

    void applyCountAxis();
};

} // namespace oodlens::ui
