// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "plots/FigureExport.h"
#include "workspace/Workspace.h"

#include <QPointer>
#include <QWidget>

class QTabWidget;

namespace oodlens::ui {

class DisagreementView;
class GalleryView;
class InspectorPanel;
class ScatterView;
class ThumbnailLoader;

// Per-image exploration of a finished run, for the main window to embed: the gallery, the
// score-vs-score scatter and the disagreement finder as tabs, the inspector of the current image
// beside them, and the exports (selected images' scores as CSV, contact sheets, the inspector as
// a figure). Every part syncs through the session only: an image picked anywhere becomes the
// session's current image and is highlighted everywhere; a rectangle or lasso in the scatter
// becomes the session's selection and the gallery's filter.
class ExplorePanel : public QWidget {
    Q_OBJECT

public:
    enum class SheetSource { Gallery, Disagreements };

    explicit ExplorePanel(Workspace* session, QWidget* parent = nullptr);
    ~ExplorePanel() override;

    GalleryView* gallery() const { return gallery_; }
    ScatterView* scatter() const { return scatter_; }
    DisagreementView* disagreements() const { return disagreements_; }
    InspectorPanel* inspector() const { return inspector_; }
    ThumbnailLoader* loader() const { return loader_; }
    QTabWidget* tabs() const { return tabs_; }

    // The session's selection (or the current image when nothing is selected) as CSV.
    QString exportSelectionCsv(const QString& file);
    // The first `count` images of the gallery's order (sort it most-OOD-first and filter "flagged"
    // for the top flagged images) or of the disagreement list, decoded and written on a worker
    // thread, in `columns` columns (0: up to 8), captions fitted, a title line when `title`;
    // contactSheetWritten() follows.
    void exportContactSheet(const QString& file, SheetSource source, int count, int columns = 0, bool title = false);
    // The score-vs-score plot as a figure (vector PDF / SVG, or PNG), like the Analysis plots.
    QString exportScatterFigure(const QString& file, const FigureOptions& options);

Q_SIGNALS:
    void contactSheetWritten(const QString& file, const QString& error);

private:
    void chooseCsv();
    void chooseContactSheet(SheetSource source);
    void chooseInspectorFigure();
    void chooseScatterFigure();

    QPointer<Workspace> session_;
    ThumbnailLoader* loader_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    GalleryView* gallery_ = nullptr;
    ScatterView* scatter_ = nullptr;
    DisagreementView* disagreements_ = nullptr;
    InspectorPanel* inspector_ = nullptr;
};

} // namespace oodlens::ui
