// SPDX-License-Identifier: GPL-3.0-or-later
#include "explore/InspectorPanel.h"

#include "common/Error.h"
#include "docks/MethodLabels.h"
#include "explore/ClassText.h"
#include "explore/InspectorFigure.h"
#include "explore/ThumbnailLoader.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QPdfWriter>
#include <QResizeEvent>
#include <QScrollArea>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <cmath>

namespace oodlens::ui {
namespace {

QString number(double v)
{
    return std::isnan(v) ? QStringLiteral("NaN") : QString::number(v, 'g', 5);
}

QString percent(double fraction)
{
    return std::isnan(fraction) ? QStringLiteral("–") : QString::number(100.0 * fraction, 'f', 1) + QStringLiteral(" %");
}

} // namespace

InspectorPanel::InspectorPanel(Workspace* session, ThumbnailLoader* loader, QWidget* parent)
    : QWidget(parent), session_(session), loader_(loader)
{
    image_ = new QLabel(this);
    image_->setAlignment(Qt::AlignCenter);
    image_->setMinimumSize(200, 200);
    image_->setWordWrap(true);
    header_ = new QLabel(this);
    header_->setTextFormat(Qt::RichText);
    header_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    header_->setWordWrap(true);
    decomposition_ = new QLabel(this);
    decomposition_->setTextFormat(Qt::RichText);
    decomposition_->setWordWrap(true);
    tree_ = new QTreeWidget(this);
    tree_->setColumnCount(4);
    tree_->setHeaderLabels({tr("Method"), tr("Score"), tr("ID pct"), tr("Decision")});
    tree_->setRootIsDecorated(false);
    tree_->setToolTip(tr("ID pct (percentile): fraction of ID images whose score is at most this one (ties count "
                         "as below). A low percentile means the image looks less ID than most ID images."));

    // The header beside the image, or below it in a narrow column (resizeEvent).
    top_ = new QBoxLayout(QBoxLayout::LeftToRight);
    top_->addWidget(image_);
    top_->addWidget(header_, 1);
    // The numbers and the decision keep their width; long method names are elided (full name in
    // the tooltip), so the decision column stays readable in a narrow inspector.
    tree_->header()->setStretchLastSection(false);
    tree_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int c = 1; c < 4; ++c)
        tree_->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top_);
    layout->addWidget(decomposition_);
    layout->addWidget(tree_, 1);
    // What the short decision column means (each cell's tooltip has its threshold).
    auto* decisionNote = new QLabel(tr("Decision: the current method (bold) at the current threshold, the others "
                                       "at their own 95%-ID-TPR threshold."),
                                    this);
    decisionNote->setWordWrap(true);
    decisionNote->setStyleSheet(QStringLiteral("QLabel { color: palette(mid); }"));
    layout->addWidget(decisionNote);

    connect(session, &Workspace::resultChanged, this, &InspectorPanel::refresh);
    connect(session, &Workspace::currentImageChanged, this, &InspectorPanel::refresh);
    connect(session, &Workspace::currentMethodChanged, this, &InspectorPanel::refresh);
    connect(session, &Workspace::thresholdChanged, this, &InspectorPanel::refresh);
    if (loader) {
        connect(loader, &ThumbnailLoader::imageReady, this, [this](const ImageRef& ref) {
            if (session_ && ref == session_->currentImage())
                showImage();
        });
        // A decode that failed says why instead of "loading…" for ever (an unreadable file, a set of
        // features without images).
        connect(loader, &ThumbnailLoader::failed, this, [this](const ImageRef& ref, const QString&) {
            if (session_ && ref == session_->currentImage())
                showImage();
        });
    }
    refresh();
}

void InspectorPanel::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    top_->setDirection(width() < kSideBySideWidth ? QBoxLayout::TopToBottom : QBoxLayout::LeftToRight);
}

QString InspectorPanel::headerText() const
{
    return header_->text();
}

QString InspectorPanel::decompositionText() const
{
    return decomposition_->text();
}

bool InspectorPanel::hasImage() const
{
    return !image_->pixmap().isNull();
}

const DecompositionReference* InspectorPanel::decomposition(const std::string& method)
{
    auto it = decompositions_.find(method);
    if (it == decompositions_.end()) {
        const RunResultPtr r = session_->result();
        const auto id = static_cast<std::size_t>(r->idIndex);
        if (id >= r->features.size() || !r->features[id])
            return nullptr;
        it = decompositions_.emplace(method, DecompositionReference(method, *r->features[id], r->head, r->params)).first;
    }
    return &it->second;
}

double InspectorPanel::idPercentile(const std::string& method, double value) const
{
    const RunResultPtr r = session_->result();
    return r->idIndex < 0 ? std::nan("")
                          : session_->thresholdIndex(QString::fromStdString(method))
                                .percentile(static_cast<std::size_t>(r->idIndex), value);
}

void InspectorPanel::refresh()
{
    tree_->clear();
    const RunResultPtr r = session_ ? session_->result() : nullptr;
    if (r.get() != cachedFor_) {
        cachedFor_ = r.get();
        decompositions_.clear();
    }
    const ImageRef ref = session_ ? session_->currentImage() : ImageRef();
    const auto d = static_cast<std::size_t>(ref.dataset);
    const FeatureSet* set =
        r && ref.isValid() && d < r->features.size() && r->features[d] ? r->features[d].get() : nullptr;
    if (!set || static_cast<std::size_t>(ref.row) >= set->rows || r->idIndex < 0) {
        header_->setText(tr("<i>No image selected.</i> Click an image in the gallery, the scatter plot or the "
                            "disagreement list."));
        decomposition_->clear();
        image_->clear();
        return;
    }
    const auto row = static_cast<std::size_t>(ref.row);

    // Header: where the image comes from and what the model says. Only an ID class label is
    // compared with the prediction (RunResult::isIdClassLabel): an OOD image's label names its own
    // class, so it is shown as such and never judged correct or wrong.
    const int label = row < set->labels.size() ? set->labels[row] : -1;
    const int predicted = set->prediction(row);
    QString labelLine;
    if (label < 0)
        labelLine = tr("true label: <b>unknown</b>");
    else if (r->isIdClassLabel(d, label))
        labelLine = tr("true label: <b>%1</b>").arg(labelText(*r, d, label).toHtmlEscaped());
    else
        labelLine = tr("label: <b>%1</b> <small>(not an ID class)</small>")
                        .arg(labelText(*r, d, label).toHtmlEscaped());
    QString verdict;
    if (r->isIdClassLabel(d, label))
        verdict = label == predicted ? tr(" (correct)") : tr(" (wrong)");
    QString top5;
    for (const ClassProbability& p : topProbabilities(set->logitRow(row), set->classes, 5))
        top5 += QStringLiteral("<tr><td>%1</td><td align=right>%2</td></tr>")
                    .arg(tr("class %1").arg(predictionText(*r, p.cls).toHtmlEscaped()), percent(p.probability));
    const QString path = row < set->paths.size() ? QString::fromStdString(set->paths[row]) : QString();
    // One multi-argument arg(): names and paths that hold "%1" are not substituted again.
    header_->setText(tr("<b>%1</b> image %2<br><small>%3</small><br>%4 &nbsp; prediction: "
                        "<b>%5</b>%6<br><table><tr><th align=left>top-5</th><th>softmax</th></tr>%7</table>")
                         .arg(QString::fromStdString(r->datasets[d].name).toHtmlEscaped(), QString::number(row),
                              path.toHtmlEscaped(), labelLine, predictionText(*r, predicted).toHtmlEscaped(), verdict,
                              top5));

    // Every score, grouped; the registry's order inside a group.
    const std::string current = session_->currentMethod().toStdString();
    for (MethodGroup group : methodGroups()) {
        QTreeWidgetItem* groupItem = nullptr;
        for (const MethodInfo& info : methodRegistry()) {
            if (info.group != group || r->scores.find(info.id) == r->scores.end())
                continue;
            const std::vector<double>& s = r->scoresOf(info.id, d);
            if (row >= s.size())
                continue;
            if (!groupItem) {
                groupItem = new QTreeWidgetItem(tree_, {methodGroupHeading(group)});
                QFont f = groupItem->font(0);
                f.setBold(true);
                groupItem->setFont(0, f);
                groupItem->setFirstColumnSpanned(true);
            }
            const double v = s[row];
            const bool isCurrent = info.id == current;
            const double t = isCurrent ? session_->threshold() : session_->thresholdAtIdTpr95(QString::fromStdString(info.id));
            QString decision, decisionTip;
            if (!std::isnan(t)) {
                const bool flagged = std::isnan(v) || v < t;
                decision = flagged ? tr("flagged") : tr("accepted");
                decisionTip = (flagged ? tr("Flagged as OOD") : tr("Accepted as ID")) +
                              (isCurrent ? tr(" at the current threshold %1").arg(number(t))
                                         : tr(" at its 95%-ID-TPR threshold %1").arg(number(t)));
            }
            auto* item = new QTreeWidgetItem(
                tree_, {methodDisplayLabel(info.id, r->params), number(v), percent(idPercentile(info.id, v)), decision});
            item->setData(0, Qt::UserRole, QString::fromStdString(info.id));
            item->setToolTip(0, item->text(0));
            item->setToolTip(3, decisionTip);
            if (isCurrent)
                for (int c = 0; c < 4; ++c) {
                    QFont f = item->font(c);
                    f.setBold(true);
                    item->setFont(c, f);
                }
        }
    }
    for (int c = 0; c < 4; ++c)
        tree_->resizeColumnToContents(c);

    // The factorisation of the gradient scores.
    QString text;
    for (const MethodInfo& info : methodRegistry()) {
        if (info.group != MethodGroup::Gradient || !info.factors || r->scores.find(info.id) == r->scores.end())
            continue;
        const std::string& method = info.id;
        try {
            const DecompositionReference* ref95 = decomposition(method);
            if (!ref95)
                continue;
            const FactorPercentiles p = ref95->locate(*set, row);
            text += tr("<b>%1</b> = feature term %2 <small>(ID pct %3)</small> × output term %4 <small>(ID pct "
                       "%5)</small> = %6<br>")
                        .arg(methodDisplayLabel(method, r->params), number(p.value.featureTerm), percent(p.featurePercentile),
                             number(p.value.outputTerm), percent(p.outputPercentile), number(p.score));
        } catch (const Error& e) {
            text += QString::fromStdString(e.what()).toHtmlEscaped() + QStringLiteral("<br>");
        }
    }
    decomposition_->setText(text);
    showImage();
}

void InspectorPanel::showImage()
{
    const ImageRef ref = session_ ? session_->currentImage() : ImageRef();
    const QImage img = loader_ ? loader_->image(ref) : QImage();
    if (img.isNull()) {
        const QString error = loader_ ? loader_->errorOf(ref) : QString();
        image_->setPixmap(QPixmap());
        image_->setText(error.isEmpty() ? tr("loading…") : error);
        return;
    }
    // Small images (MNIST, CIFAR) are enlarged by a whole factor, without blur, to stay legible.
    const int factor = qMax(1, 192 / qMax(img.width(), img.height()));
    image_->setPixmap(QPixmap::fromImage(
        factor > 1 ? img.scaled(img.size() * factor, Qt::KeepAspectRatio, Qt::FastTransformation) : img));
    const QSize own = ThumbnailLoader::originalSize(img);
    image_->setToolTip(tr("%1 × %2 pixels%3")
                           .arg(own.width())
                           .arg(own.height())
                           .arg(factor > 1 ? tr(", shown ×%1").arg(factor)
                                : own != img.size() ? tr(", shown at %1 × %2").arg(img.width()).arg(img.height())
                                                    : QString()));
}

QString InspectorPanel::exportTo(const QString& file, int dpi)
{
    // A figure designed for print (explore/InspectorFigure.h), not a grab of the panel.
    FigureOptions options;
    options.size = FigureSize::twoColumn();
    options.dpi = dpi;
    return writeInspectorFigure(file, inspectorFigureContent(*session_, loader_, tree_), options);
}

} // namespace oodlens::ui
