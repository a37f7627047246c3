// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/Workspace.h"

#include <QPointer>
#include <QPolygonF>
#include <QVector>
#include <QWidget>

#include <vector>

class QCPCurve;
class QCPGraph;
class QCPItemText;
class QCheckBox;
class QComboBox;
class QCustomPlot;
class QLabel;
class QMouseEvent;

namespace oodlens::ui {

class ThumbnailLoader;

// Any score against any other, one point per image of the ID set and of every OOD set, coloured as
// in every other plot (Okabe-Ito, ID blue). Two presets: GradNorm against a chosen non-gradient
// score, and the decomposition plane ||h||_1 vs the GradNorm output term on log axes, where the
// current GradNorm threshold is the hyperbola ||h||_1 * gradterm / T = threshold.
// Click picks the session's current image; rectangle and lasso (a polygon, QPolygonF::containsPoint)
// set the session's selection; hovering a point shows its thumbnail. Points are drawn as scatters
// without lines and with QCustomPlot's adaptive sampling, so 100,000 points redraw quickly; picking
// works on every point, not on the sampled drawing.
class ScatterView : public QWidget {
    Q_OBJECT

public:
    enum class Preset { GradientVsNonGradient, DecompositionPlane };
    enum class SelectMode { Click, Rectangle, Lasso };

    ScatterView(Workspace* session, ThumbnailLoader* loader, QWidget* parent = nullptr);

    void applyPreset(Preset preset);
    // Method ids of the axes; unknown ids leave the plot empty with a note.
    void setAxes(const QString& xMethod, const QString& yMethod, bool logX = false, bool logY = false);
    QString xMethod() const;
    QString yMethod() const;
    void setSelectMode(SelectMode mode);

    QCustomPlot* plot() const { return plot_; }
    // Points plotted (finite, and positive on log axes) and points left out.
    std::size_t pointCount() const;
    std::size_t hiddenCount() const { return hidden_; }
    // Picking in widget pixels of the plot, over every point.
    ImageRef imageNear(const QPointF& pixel, double radius) const;
    QVector<ImageRef> imagesInPolygon(const QPolygonF& pixels) const;
    // Where an image's point is drawn (plot pixels); (-1, -1) when it is not plotted.
    QPointF pixelOf(const ImageRef& image) const;
    // Whether the threshold hyperbola is drawn.
    bool showsHyperbola() const;

public Q_SLOTS:
    // Re-reads the scores of the axes and redraws.
    void rebuild();

private:
    struct Series {
        std::size_t dataset = 0;
        std::vector<double> x, y;
        std::vector<int> rows;
        QCPGraph* graph = nullptr;
    };
    void rebuildControls();
    void updateHyperbola();
    void updateMarkers();
    void onPress(QMouseEvent* event);
    void onMove(QMouseEvent* event);
    void onRelease(QMouseEvent* event);
    void showHover(const QPoint& pos, const ImageRef& ref);

    QPointer<Workspace> session_;
    QPointer<ThumbnailLoader> loader_;
    QCustomPlot* plot_ = nullptr;
    QComboBox* preset_ = nullptr;
    QComboBox* x_ = nullptr;
    QComboBox* y_ = nullptr;
    QCheckBox* logX_ = nullptr;
    QCheckBox* logY_ = nullptr;
    QComboBox* mode_ = nullptr;
    QLabel* info_ = nullptr;
    QCPItemText* placeholder_ = nullptr; // why the plot is empty
    QLabel* hover_ = nullptr;
    std::vector<Series> series_;
    std::size_t hidden_ = 0;
    QCPGraph* hyperbola_ = nullptr;
    QCPGraph* selected_ = nullptr;
    QCPGraph* current_ = nullptr;
    QCPCurve* lasso_ = nullptr;
    SelectMode selectMode_ = SelectMode::Click;
    QPolygonF drag_; // pixels
    bool dragging_ = false;
    QPoint pressPos_;
    ImageRef hoverRef_;
};

} // namespace oodlens::ui
