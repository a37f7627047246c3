// SPDX-License-Identifier: GPL-3.0-or-later
#include "explore/GalleryView.h"

#include "explore/FlowLayout.h"
#include "explore/GalleryModel.h"
#include "docks/MethodLabels.h"
#include "explore/ClassText.h"
#include "explore/ThumbnailLoader.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QInputEvent>
#include <QItemSelectionModel>
#include <QLabel>
#include <QListView>
#include <QPainter>
#include <QStyledItemDelegate>
#include <QVBoxLayout>

#include <algorithm>

namespace oodlens::ui {
namespace {

// Fixed-size tiles: thumbnail on top, "#rank  score" below, then the predicted class (marked with
// a cross, in a colour, when it misses an ID class label). A fixed sizeHint keeps the view's
// layout O(1) per item, which is what lets it hold 100,000 rows.
class TileDelegate : public QStyledItemDelegate {
public:
    TileDelegate(int thumb, QObject* parent) : QStyledItemDelegate(parent), thumb_(thumb) {}

    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const override
    {
        return {thumb_ + 8, thumb_ + 2 * option.fontMetrics.height() + 12};
    }

    void paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const override
    {
        const QRect r = option.rect.adjusted(2, 2, -2, -2);
        p->save();
        if (option.state & QStyle::State_Selected)
            p->fillRect(r, option.palette.highlight().color().lighter(160));
        const QRect imageRect(r.left() + 2, r.top() + 2, thumb_, thumb_);
        const QImage img = index.data(Qt::DecorationRole).value<QImage>();
        if (img.isNull()) {
            p->fillRect(imageRect, QColor(225, 225, 225));
        } else {
            QRect target(QPoint(), img.size());
            target.moveCenter(imageRect.center());
            p->drawImage(target, img);
        }
        if (index.data(GalleryModel::FlaggedRole).toBool())
            p->fillRect(QRect(imageRect.left(), imageRect.bottom() - 3, imageRect.width(), 4), QColor(213, 94, 0));
        const QRect text(r.left(), imageRect.bottom() + 3, r.width(), option.fontMetrics.height() + 2);
        p->setPen(option.palette.text().color());
        p->drawText(text, Qt::AlignHCenter | Qt::AlignVCenter,
                    option.fontMetrics.elidedText(index.data(Qt::DisplayRole).toString(), Qt::ElideRight, r.width()));
        const QString caption = index.data(GalleryModel::CaptionRole).toString();
        if (!caption.isEmpty()) {
            const bool wrong = index.data(GalleryModel::WrongRole).toBool();
            const QRect line = text.translated(0, text.height());
            // Okabe-Ito reddish purple: apart from the vermillion flag bar.
            p->setPen(wrong ? QColor(204, 121, 167).darker(130) : option.palette.text().color());
            p->drawText(line, Qt::AlignHCenter | Qt::AlignVCenter,
                        option.fontMetrics.elidedText(wrong ? QStringLiteral("✗ ") + caption : caption, Qt::ElideRight,
                                                      r.width()));
        }
        if (index.data(GalleryModel::CurrentRole).toBool()) {
            p->setPen(QPen(QColor(0, 114, 178), 3));
            p->drawRect(r.adjusted(1, 1, -1, -1));
        }
        p->restore();
    }

private:
    int thumb_;
};

} // namespace

GalleryView::GalleryView(Workspace* session, ThumbnailLoader* loader, QWidget* parent)
    : QWidget(parent), session_(session)
{
    model_ = new GalleryModel(session, loader, this);

    method_ = new QComboBox(this);
    method_->setToolTip(tr("Score the gallery is sorted by"));
    order_ = new QComboBox(this);
    order_->addItem(tr("most OOD first"), true);
    order_->addItem(tr("most ID first"), false);
    dataset_ = new QComboBox(this);
    // Class filters list every model class by number and name; -1 is "no filter".
    trueClass_ = new QComboBox(this);
    trueClass_->setToolTip(tr("Only images whose label is this class (ID images only; an OOD image's label names "
                              "its own class, not an ID class)"));
    predicted_ = new QComboBox(this);
    predicted_->setToolTip(tr("Only images the model predicts as this class"));
    for (QComboBox* box : {trueClass_, predicted_})
        box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    trueClass_->setMinimumContentsLength(12);
    predicted_->setMinimumContentsLength(12);
    flag_ = new QComboBox(this);
    flag_->addItem(tr("all"), static_cast<int>(FlagFilter::Any));
    flag_->addItem(tr("flagged"), static_cast<int>(FlagFilter::Flagged));
    flag_->addItem(tr("accepted"), static_cast<int>(FlagFilter::Accepted));
    flag_->setToolTip(tr("At the current threshold of the current method"));
    selectionOnly_ = new QCheckBox(tr("selection only"), this);
    count_ = new QLabel(this);

    // Sort, then filters, then the count, wrapping onto as many rows as the width needs, so that
    // the gallery fits beside the inspector in a small window.
    auto* controls = new FlowLayout;
    for (QWidget* w : std::initializer_list<QWidget*>{method_, order_, dataset_, trueClass_, predicted_, flag_,
                                                      selectionOnly_, count_})
        controls->addWidget(w);

    list_ = new QListView(this);
    list_->setViewMode(QListView::IconMode);
    list_->setMovement(QListView::Static);
    list_->setResizeMode(QListView::Adjust);
    list_->setUniformItemSizes(true);
    list_->setWrapping(true);
    list_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    list_->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    list_->setItemDelegate(new TileDelegate(loader ? loader->thumbnailSize() : 96, list_));
    list_->setModel(model_);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(list_, 1);

    connect(method_, &QComboBox::currentIndexChanged, this,
            [this] { model_->setSortMethod(method_->currentData().toString()); });
    connect(order_, &QComboBox::currentIndexChanged, this, [this] { model_->setAscending(order_->currentData().toBool()); });
    connect(dataset_, &QComboBox::currentIndexChanged, this, [this] {
        model_->setDatasetFilter(dataset_->currentData().isValid() ? dataset_->currentData().toInt() : -1);
    });
    connect(trueClass_, &QComboBox::currentIndexChanged, this,
            [this] { model_->setTrueClassFilter(trueClass_->currentData().toInt()); });
    connect(predicted_, &QComboBox::currentIndexChanged, this,
            [this] { model_->setPredictedClassFilter(predicted_->currentData().toInt()); });
    connect(flag_, &QComboBox::currentIndexChanged, this,
            [this] { model_->setFlagFilter(static_cast<FlagFilter>(flag_->currentData().toInt())); });
    connect(selectionOnly_, &QCheckBox::toggled, model_, &GalleryModel::setSelectionOnly);
    connect(list_, &QListView::clicked, this, [this](const QModelIndex& index) {
        if (session_)
            session_->setCurrentImage(model_->imageAt(index.row()));
    });
    list_->installEventFilter(this);
    list_->viewport()->installEventFilter(this);
    // Keyboard navigation (arrows, Home / End, Page Up / Down) moves the view's current tile: it
    // becomes the session's current image, so the inspector follows.
    connect(list_->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex& index) {
        if (keyMoving_ && session_ && index.isValid())
            session_->setCurrentImage(model_->imageAt(index.row()));
    });
    connect(list_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &GalleryView::onViewSelectionChanged);
    connect(model_, &QAbstractItemModel::modelReset, this, [this] {
        count_->setText(tr("%n image(s)", nullptr, model_->rowCount()));
        showSessionSelection();
        // With no image picked yet, the first tile is the current one, so that the inspector
        // beside the gallery shows something from the start.
        if (session_ && session_->result() && !session_->currentImage().isValid() && model_->rowCount() > 0)
            session_->setCurrentImage(model_->imageAt(0));
        scrollToCurrent();
    });
    connect(session, &Workspace::selectionChanged, this, [this] {
        if (!feeding_)
            showSessionSelection();
    });
    connect(session, &Workspace::resultChanged, this, &GalleryView::rebuildControls);
    connect(session, &Workspace::currentImageChanged, this, &GalleryView::scrollToCurrent);
    model_->setAscending(true);
    rebuildControls();
}

void GalleryView::setSelectionOnly(bool on)
{
    selectionOnly_->setChecked(on);
}

void GalleryView::rebuildControls()
{
    const RunResultPtr r = session_ ? session_->result() : nullptr;
    const QSignalBlocker b1(method_), b2(dataset_), b3(trueClass_), b4(predicted_);
    method_->clear();
    method_->addItem(tr("current method"), QString());
    dataset_->clear();
    dataset_->addItem(tr("all datasets"));
    // The class filters survive a new result (partial results arrive during a run) when the class does.
    const QVariant trueWas = trueClass_->currentData(), predictedWas = predicted_->currentData();
    trueClass_->clear();
    trueClass_->addItem(tr("true: any class"), -1);
    predicted_->clear();
    predicted_->addItem(tr("pred: any class"), -1);
    if (r) {
        const auto id = static_cast<std::size_t>(std::max(r->idIndex, 0));
        for (int k = 0; k < r->model.classes; ++k) {
            trueClass_->addItem(tr("true: %1").arg(labelText(*r, id, k)), k);
            predicted_->addItem(tr("pred: %1").arg(predictionText(*r, k)), k);
        }
        for (const std::string& m : r->methods)
            method_->addItem(methodDisplayLabel(m, r->params), QString::fromStdString(m));
        for (std::size_t d = 0; d < r->datasets.size(); ++d)
            if (r->datasets[d].rows > 0)
                dataset_->addItem(QString::fromStdString(r->datasets[d].name), static_cast<int>(d));
    }
    model_->setSortMethod(QString());
    model_->setDatasetFilter(-1);
    trueClass_->setCurrentIndex(std::max(0, trueClass_->findData(trueWas)));
    predicted_->setCurrentIndex(std::max(0, predicted_->findData(predictedWas)));
    model_->setTrueClassFilter(trueClass_->currentData().toInt());
    model_->setPredictedClassFilter(predicted_->currentData().toInt());
}

void GalleryView::scrollToCurrent()
{
    const int row = session_ ? model_->rowOf(session_->currentImage()) : -1;
    if (row < 0)
        return;
    const QModelIndex index = model_->index(row);
    // Moves the view's current tile without touching its selection (the session's selection).
    if (list_->currentIndex() != index)
        list_->selectionModel()->setCurrentIndex(index, QItemSelectionModel::NoUpdate);
    list_->scrollTo(index);
}

bool GalleryView::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() == QEvent::MouseButtonPress || event->type() == QEvent::KeyPress)
        pressModifiers_ = static_cast<QInputEvent*>(event)->modifiers();
    // Only a key moves the session's current image through the view's current index: focus and
    // model resets move that index too, and a click has `clicked`.
    if (watched == list_ && event->type() == QEvent::KeyPress)
        keyMoving_ = true;
    else if (event->type() == QEvent::KeyRelease || event->type() == QEvent::MouseButtonPress ||
             event->type() == QEvent::FocusOut)
        keyMoving_ = false;
    return QWidget::eventFilter(watched, event);
}

void GalleryView::onViewSelectionChanged()
{
    if (showing_ || !session_)
        return;
    QVector<ImageRef> picked;
    const QModelIndexList rows = list_->selectionModel()->selectedIndexes();
    picked.reserve(rows.size());
    for (const QModelIndex& index : rows)
        picked.push_back(model_->imageAt(index.row()));
    std::sort(picked.begin(), picked.end(), [](const ImageRef& a, const ImageRef& b) {
        return a.dataset != b.dataset ? a.dataset < b.dataset : a.row < b.row;
    });
    const bool multi = pressModifiers_ & (Qt::ControlModifier | Qt::ShiftModifier | Qt::MetaModifier);
    if (!multi && picked.size() <= 1) {
        // A plain click picks the current image (see `clicked`); it ends a selection the gallery
        // made, but a lasso from the scatter stays until the scatter clears it.
        if (session_->selection().isEmpty() || session_->selection() != ownSelection_)
            return;
        picked.clear();
    }
    ownSelection_ = picked;
    feeding_ = true;
    session_->setSelection(picked);
    feeding_ = false;
}

void GalleryView::showSessionSelection()
{
    if (!session_)
        return;
    QItemSelection selection;
    for (const ImageRef& image : session_->selection()) {
        const int row = model_->rowOf(image);
        if (row >= 0)
            selection.select(model_->index(row), model_->index(row));
    }
    showing_ = true;
    list_->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
    showing_ = false;
}

} // namespace oodlens::ui
