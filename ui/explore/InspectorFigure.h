// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "plots/FigureExport.h"

#include <QImage>
#include <QString>
#include <QStringList>
#include <QVector>

class QTreeWidget;

namespace oodlens::ui {

class ThumbnailLoader;
class Workspace;

// What the inspector figure shows of one image: the image, where it comes from, the model's
// answer, every score with its ID percentile and decision, and the factors of the gradient scores.
struct InspectorFigureContent {
    QImage image;
    QString title;     // "fashion-mnist, image 12"
    QString file;      // the image's file, empty when none
    QString verdict;   // "true label 3 · predicted 5 (wrong)"
    struct Probability {
        QString label;
        double probability = 0;
    };
    QVector<Probability> top;
    struct Row {
        QString group; // non-empty: a group heading row, the other fields empty
        QString method, score, percentile, decision;
        double percentileValue = -1; // 0..1 for the bar, < 0 when unknown
        bool current = false;
    };
    QVector<Row> rows;
    QStringList decomposition; // "GradNorm = feature term 12.3 (ID pct 45.0 %) x output term ..."
    bool empty() const { return title.isEmpty(); }
};

// The content of the session's current image. The scores, percentiles and decisions are read off
// the inspector's table (`scores`, InspectorPanel::scoreTree()), so that the figure says exactly
// what the panel says; the rest comes from the result. Empty without a current image.
InspectorFigureContent inspectorFigureContent(const Workspace& session, ThumbnailLoader* loader,
                                              const QTreeWidget* scores);

// The inspector as a figure designed for print, not a screen grab: the image (small images
// enlarged without blur) with its source and the model's top-5 as bars on the left, the table of
// scores (booktabs rules, the current method bold, ID percentiles as bars) on the right, the
// decomposition below it. options.size gives the width (the height follows the content); fonts
// as for every figure. PDF, SVG or PNG by extension. Returns an error message, empty on success.
QString writeInspectorFigure(const QString& file, const InspectorFigureContent& content, const FigureOptions& options);

} // namespace oodlens::ui
