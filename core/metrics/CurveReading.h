// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "metrics/SortedScores.h"

#include <cstddef>
#include <limits>
#include <vector>

namespace oodlens {

// Which curve a pointer is read on. Both have ID as the positive class (as the views draw them).
enum class CurveKind {
    Roc, // x = FPR (OOD accepted), y = TPR (ID accepted)
    Pr,  // x = recall (= TPR), y = precision (ID among the accepted)
};

// What one point of a ROC or precision-recall curve stands for: the threshold it is drawn at and
// every rate there (accept as ID when score >= threshold).
struct CurveReading {
    bool valid = false;
    std::size_t index = 0;  // the point's place in CurveReader::points() (descending thresholds)
    double threshold = std::numeric_limits<double>::quiet_NaN();
    double tpr = 0;         // fraction of ID accepted (= recall)
    double fpr = 0;         // fraction of OOD accepted
    double precision = 1;   // accepted ID / all accepted; 1 when nothing is accepted
    double distance = std::numeric_limits<double>::infinity(); // from the query, in the scaled units
};

// The points of one method's ROC and PR curves of an ID set against an OOD set, one per distinct
// threshold, built from their sorted scores (NaN left out, as in core's rocCurve / prCurve, whose
// points these are), so that a pointer over a drawn curve can be read exactly, whatever the
// drawing thinned. Qt-free: a view maps its pixels to data coordinates and asks nearest().
class CurveReader {
public:
    struct Point {
        double threshold = 0; // a distinct score; the first point accepts nothing
        double tpr = 0, fpr = 0, precision = 1;
    };

    CurveReader() = default;
    CurveReader(const SortedScores& id, const SortedScores& ood);

    // Descending thresholds. points()[0] accepts nothing (ROC's (0, 0)); its threshold is just
    // above the highest score (+inf when that is +inf). The PR curve has no such point.
    const std::vector<Point>& points() const { return points_; }
    bool empty() const { return points_.size() < 2; }

    // The point of curve `kind` nearest to (x, y) in data coordinates, distances measured after
    // scaling x by `xScale` and y by `yScale` (a view passes its pixels per data unit, so that
    // "nearest" is nearest on screen). Ties go to the higher threshold. Invalid when empty.
    CurveReading nearest(CurveKind kind, double x, double y, double xScale = 1, double yScale = 1) const;
    // The reading of point `index` (no distance).
    CurveReading at(std::size_t index) const;

    // Where point `index` is drawn on curve `kind`.
    static double xOf(CurveKind kind, const Point& p) { return kind == CurveKind::Roc ? p.fpr : p.tpr; }
    static double yOf(CurveKind kind, const Point& p) { return kind == CurveKind::Roc ? p.tpr : p.precision; }

private:
    std::vector<Point> points_;
};

} // namespace oodlens
