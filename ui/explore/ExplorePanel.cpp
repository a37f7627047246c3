// SPDX-License-Identifier: GPL-3.0-or-later
#include "explore/ExplorePanel.h"

#include "explore/ContactSheet.h"
#include "explore/ContactSheetDialog.h"
#include "plots/FigureExportDialog.h"
#include "workspace/Settings.h"
#include "explore/DatasetImages.h"
#include "explore/DisagreementModel.h"
#include "explore/DisagreementView.h"
#include "explore/GalleryModel.h"
#include "explore/GalleryView.h"
#include "explore/InspectorPanel.h"
#include "docks/MethodLabels.h"
#include "explore/ScatterView.h"
#include "explore/SelectionCsv.h"
#include "explore/ThumbnailLoader.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTabWidget>
#include <QThreadPool>
#include <QToolButton>
#include <QVBoxLayout>

#include <exception>

namespace oodlens::ui {

ExplorePanel::ExplorePanel(Workspace* session, QWidget* parent) : QWidget(parent), session_(session)
{
    loader_ = new ThumbnailLoader(this);
    // Connected before the views are built, so the loader knows the new result before they ask.
    connect(session, &Workspace::resultChanged, loader_, [this] { loader_->setResult(session_->result()); });
    loader_->setResult(session->result());

    gallery_ = new GalleryView(session, loader_, this);
    scatter_ = new ScatterView(session, loader_, this);
    disagreements_ = new DisagreementView(session, loader_, this);
    inspector_ = new InspectorPanel(session, loader_, this);

    // Combo boxes listing method labels would otherwise be as wide as the longest label and push
    // the inspector off screen; their popups still show the whole labels. Before the tabs take
    // the views: QComboBox keeps the minimum size it measured first.
    for (QWidget* view : std::initializer_list<QWidget*>{gallery_, scatter_, disagreements_})
        for (QComboBox* combo : view->findChildren<QComboBox*>()) {
            combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
            combo->setMinimumContentsLength(10);
        }
    tabs_ = new QTabWidget(this);
    tabs_->addTab(gallery_, tr("Gallery"));
    tabs_->addTab(scatter_, tr("Score vs score"));
    tabs_->addTab(disagreements_, tr("Disagreements"));
    auto* inspectorScroll = new QScrollArea(this);
    inspectorScroll->setWidget(inspector_);
    inspectorScroll->setWidgetResizable(true);
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(tabs_);
    splitter->addWidget(inspectorScroll);
    splitter->setObjectName(QStringLiteral("exploreSplitter"));
    splitter->setChildrenCollapsible(false);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    // Stretch factors only share out extra space; without sizes the inspector starts as a sliver.
    // Start at about 65 / 35 and keep at least a usable inspector column.
    inspectorScroll->setMinimumWidth(260);
    splitter->setSizes({650, 350});

    auto* csv = new QPushButton(tr("Export selection…"), this);
    csv->setToolTip(tr("Scores of the selected images (or of the current image) as CSV"));
    auto* sheet = new QToolButton(this);
    sheet->setText(tr("Contact sheet"));
    sheet->setPopupMode(QToolButton::InstantPopup);
    auto* sheetMenu = new QMenu(sheet);
    sheetMenu->addAction(tr("First images of the gallery…"), this, [this] { chooseContactSheet(SheetSource::Gallery); });
    sheetMenu->addAction(tr("Top disagreements…"), this, [this] { chooseContactSheet(SheetSource::Disagreements); });
    sheet->setMenu(sheetMenu);
    auto* figure = new QPushButton(tr("Export inspector…"), this);
    auto* scatterFigure = new QPushButton(tr("Export scatter…"), this);
    scatterFigure->setToolTip(tr("The score-vs-score plot as a figure: vector PDF or SVG, or PNG"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(csv);
    buttons->addWidget(sheet);
    buttons->addWidget(figure);
    buttons->addWidget(scatterFigure);
    buttons->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(splitter, 1);

    connect(csv, &QPushButton::clicked, this, &ExplorePanel::chooseCsv);
    connect(figure, &QPushButton::clicked, this, &ExplorePanel::chooseInspectorFigure);
    connect(scatterFigure, &QPushButton::clicked, this, &ExplorePanel::chooseScatterFigure);
    // A lasso or rectangle in the scatter shows up in the gallery as a filter; tiles picked in the
    // gallery itself stay among the others.
    connect(session, &Workspace::selectionChanged, this, [this] {
        if (!gallery_->isFeedingSelection() || !session_ || session_->selection().isEmpty())
            gallery_->setSelectionOnly(session_ && !session_->selection().isEmpty());
    });
}

ExplorePanel::~ExplorePanel() = default;

QString ExplorePanel::exportSelectionCsv(const QString& file)
{
    const RunResultPtr r = session_ ? session_->result() : nullptr;
    if (!r)
        return tr("nothing to export: no result");
    QVector<ImageRef> images = session_->selection();
    if (images.isEmpty() && session_->currentImage().isValid())
        images.push_back(session_->currentImage());
    if (images.isEmpty())
        return tr("nothing to export: select images in the scatter plot or pick one");
    return writeSelectionCsv(file, *r, images);
}

void ExplorePanel::exportContactSheet(const QString& file, SheetSource source, int count, int columns, bool title)
{
    const RunResultPtr r = session_ ? session_->result() : nullptr;
    if (!r) {
        emit contactSheetWritten(file, tr("nothing to export: no result"));
        return;
    }
    // Captions are built here, from the views' state; decoding and writing run on a worker.
    QVector<ImageRef> refs;
    QVector<QStringList> captions;
    ContactSheetLayout layout;
    layout.columns = columns > 0 ? columns : qBound(1, count, 8);
    if (source == SheetSource::Gallery) {
        const GalleryModel* m = gallery_->model();
        const QString method = methodDisplayLabel(m->sortMethod().toStdString(), r->params);
        layout.title = tr("OOD Lens: first %1 images by %2").arg(qMin(count, m->rowCount())).arg(method);
        for (int i = 0; i < qMin(count, m->rowCount()); ++i) {
            const QModelIndex index = m->index(i);
            refs.push_back(m->imageAt(i));
            captions.push_back({QStringLiteral("#%1 %2 %3")
                                    .arg(i + 1)
                                    .arg(m->data(index, GalleryModel::DatasetNameRole).toString())
                                    .arg(refs.back().row),
                                QStringLiteral("%1 %2").arg(method).arg(m->data(index, GalleryModel::ScoreRole).toDouble(), 0, 'g', 4),
                                m->data(index, GalleryModel::FlaggedRole).toBool() ? tr("flagged") : tr("accepted")});
        }
    } else {
        const DisagreementModel* m = disagreements_->model();
        const QString a = methodDisplayLabel(m->methodA().toStdString(), r->params);
        const QString b = methodDisplayLabel(m->methodB().toStdString(), r->params);
        layout.title = tr("OOD Lens: top %1 disagreements, %2 vs %3").arg(qMin(count, m->rowCount())).arg(a, b);
        for (int i = 0; i < qMin(count, m->rowCount()); ++i) {
            const Disagreement& x = m->report().rows[static_cast<std::size_t>(i)];
            refs.push_back(m->imageAt(i));
            captions.push_back({QStringLiteral("%1 %2").arg(QString::fromStdString(r->datasets[x.image.dataset].name)).arg(x.image.row),
                                QStringLiteral("%1 %2 / %3 %4").arg(a).arg(x.scoreA, 0, 'g', 3).arg(b).arg(x.scoreB, 0, 'g', 3),
                                tr("rank Δ %1").arg(x.rankDiff, 0, 'f', 2)});
        }
    }
    if (!title)
        layout.title.clear();
    const std::shared_ptr<const DatasetImages> images = loader_->images();
    QPointer<ExplorePanel> self(this);
    QThreadPool::globalInstance()->start([self, images, refs, captions, layout, file] {
        QVector<ContactTile> tiles;
        for (int i = 0; i < refs.size(); ++i) {
            ContactTile t;
            t.caption = captions[i];
            try {
                t.image = images->image(refs[i]);
            } catch (const std::exception& e) {
                t.caption.push_back(QString::fromStdString(e.what()));
            }
            tiles.push_back(t);
        }
        const QString error = writeContactSheet(file, tiles, layout);
        QMetaObject::invokeMethod(
            QCoreApplication::instance(), [self, file, error] {
                if (self)
                    emit self->contactSheetWritten(file, error);
            },
            Qt::QueuedConnection);
    });
}

void ExplorePanel::chooseCsv()
{
    const QString file = QFileDialog::getSaveFileName(this, tr("Export scores of the selection"), QString(),
                                                      tr("CSV (*.csv)"));
    if (file.isEmpty())
        return;
    const QString error = exportSelectionCsv(file);
    if (!error.isEmpty())
        QMessageBox::warning(this, tr("Export"), error);
}

void ExplorePanel::chooseContactSheet(SheetSource source)
{
    const int available = source == SheetSource::Gallery ? gallery_->model()->rowCount()
                                                         : disagreements_->model()->rowCount();
    ContactSheetDialog dialog(available, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    dialog.remember();
    const QString file = QFileDialog::getSaveFileName(this, tr("Contact sheet"), QString(),
                                                      tr("PNG image (*.png);;PDF (*.pdf)"));
    if (file.isEmpty())
        return;
    connect(this, &ExplorePanel::contactSheetWritten, this, [this](const QString&, const QString& error) {
        if (!error.isEmpty())
            QMessageBox::warning(this, tr("Contact sheet"), error);
    }, Qt::SingleShotConnection);
    exportContactSheet(file, source, dialog.count(), dialog.columns(), dialog.title());
}

void ExplorePanel::chooseInspectorFigure()
{
    const QString file = QFileDialog::getSaveFileName(this, tr("Export inspector"), QString(),
                                                      tr("PDF (*.pdf);;SVG (*.svg);;PNG image (*.png)"));
    if (file.isEmpty())
        return;
    const QString error = inspector_->exportTo(file);
    if (!error.isEmpty())
        QMessageBox::warning(this, tr("Export"), error);
}

QString ExplorePanel::exportScatterFigure(const QString& file, const FigureOptions& options)
{
    QString error;
    return exportFigure(scatter_->plot(), file, options, &error) ? QString() : error;
}

void ExplorePanel::chooseScatterFigure()
{
    // The Analysis plots' dialog and remembered choices (its size, font and legend).
    Settings settings;
    Settings::FigureExportChoices choices = settings.figureExport();
    FigureExportDialog dialog({tr("Score vs score")}, 0, this);
    dialog.setChoices(choices.preset, choices.options);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const QString file = QFileDialog::getSaveFileName(this, tr("Export scatter"), choices.directory,
                                                      tr("PDF (*.pdf);;SVG (*.svg);;PNG image (*.png)"));
    if (file.isEmpty())
        return;
    choices.preset = dialog.preset();
    choices.options = dialog.options();
    choices.directory = QFileInfo(file).absolutePath();
    settings.setFigureExport(choices);
    const QString error = exportScatterFigure(file, dialog.options());
    if (!error.isEmpty())
        QMessageBox::warning(this, tr("Export"), error);
}

} // namespace oodlens::ui
