// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/Workspace.h"

#include <QPointer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QListView;

namespace oodlens::ui {

class GalleryModel;
class ThumbnailLoader;

// A virtualised grid of every image (QListView in icon mode with uniform item sizes): each tile is
// the thumbnail, its rank and score, a red edge when flagged at the current threshold and a frame
// when it is the session's current image. Above it: the sort key and order, and the filters
// (dataset, true class, predicted class, flagged/accepted, the session's selection); classes are
// listed by number and name, and a tile names its predicted class.
// Clicking a tile makes it the session's current image. Ctrl+click (toggle) and Shift+click
// (range) select several tiles: that set becomes the session's selection, and the session's
// selection (a lasso in the scatter) shows as selected tiles. A plain click clears a selection the
// gallery made, and leaves one made elsewhere alone. The arrow keys, Home / End and Page Up / Down
// move the current image (Shift extends the selection).
class GalleryView : public QWidget {
    Q_OBJECT

public:
    GalleryView(Workspace* session, ThumbnailLoader* loader, QWidget* parent = nullptr);

    GalleryModel* model() const { return model_; }
    QListView* listView() const { return list_; }
    // Turns the "selection only" filter on or off (the scatter's lasso turns it on).
    void setSelectionOnly(bool on);
    // True while the gallery hands its own selection to the session.
    bool isFeedingSelection() const { return feeding_; }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void rebuildControls();
    void scrollToCurrent();
    void onViewSelectionChanged();
    void showSessionSelection();

    QPointer<Workspace> session_;
    GalleryModel* model_ = nullptr;
    QListView* list_ = nullptr;
    QComboBox* method_ = nullptr;
    QComboBox* order_ = nullptr;
    QComboBox* dataset_ = nullptr;
    QComboBox* trueClass_ = nullptr; // item data: the class, -1 for any
    QComboBox* predicted_ = nullptr;
    QComboBox* flag_ = nullptr;
    QCheckBox* selectionOnly_ = nullptr;
    QLabel* count_ = nullptr;
    Qt::KeyboardModifiers pressModifiers_; // of the last mouse press or key press in the grid
    QVector<ImageRef> ownSelection_;       // what the gallery last made the session's selection
    bool feeding_ = false;                 // handing the view's selection to the session
    bool showing_ = false;                 // mirroring the session's selection in the view
    bool keyMoving_ = false;               // a key press in the grid is moving its current tile
};

} // namespace oodlens::ui
