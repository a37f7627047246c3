// SPDX-License-Identifier: GPL-3.0-or-later
#include "explore/InspectorFigure.h"

#include "common/Error.h"
#include "docks/MethodLabels.h"
#include "explore/ClassText.h"
#include "explore/DatasetImages.h"
#include "explore/Inspect.h"
#include "explore/ThumbnailLoader.h"
#include "plots/OkabeIto.h"
#include "workspace/Workspace.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QPainter>
#include <QTreeWidget>

#include <algorithm>
#include <cmath>
#include <exception>

namespace oodlens::ui {

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("InspectorFigure", text);
}

QString number(double v)
{
    return std::isnan(v) ? QStringLiteral("NaN") : QString::number(v, 'g', 4);
}

QString percent(double fraction)
{
    return std::isnan(fraction) ? QStringLiteral("\u2013") : QString::number(100.0 * fraction, 'f', 1) + QStringLiteral(" %");
}

// Lays the figure out and, with `draw`, paints it; returns the height used (1/96 inch).
int layoutFigure(QPainter& p, const InspectorFigureContent& c, const FigureOptions& options, int width, bool draw)
{
    const QFont base = figureFont(options);
    const QFont small = figureFont(options, -1);
    const QFont bold = figureFont(options, 0, true);
    const QFont heading = figureFont(options, 0.5, true);
    const QColor grey(0x55, 0x55, 0x55);
    const QColor bar = okabeItoColor(5); // blue
    const int pad = 8;
    const int left = std::max(120, int(width * 0.30));
    auto text = [&](const QRect& r, int flags, const QString& s, const QFont& f, const QColor& colour = Qt::black) {
        if (!draw)
            return;
        p.setFont(f);
        p.setPen(colour);
        p.drawText(r, flags, QFontMetrics(f).elidedText(s, Qt::ElideRight, r.width()));
    };

    auto wrapped = [&](int x, int top, int w, const QString& s, const QFont& f) {
        const QRect bounds = QFontMetrics(f).boundingRect(QRect(x, top, w, 1000), Qt::TextWordWrap, s);
        if (draw) {
            p.setFont(f);
            p.setPen(Qt::black);
            p.drawText(QRect(x, top, w, bounds.height()), Qt::TextWordWrap | Qt::AlignLeft, s);
        }
        return bounds.height() + 1;
    };

    // Left column: the image, its source, the model's answer and its top-5.
    int y = pad;
    const QRect box(pad, y, left - pad, left - pad);
    if (draw) {
        p.fillRect(box, QColor(0xf2, 0xf2, 0xf2));
        if (!c.image.isNull()) {
            const bool enlarge = c.image.width() < box.width() && c.image.height() < box.height();
            QSize fitted = c.image.size().scaled(box.size(), Qt::KeepAspectRatio);
            if (enlarge) { // a whole factor, nearest neighbour: pixels stay pixels
                const int f = std::max(1, std::min(box.width() / c.image.width(), box.height() / c.image.height()));
                fitted = c.image.size() * f;
            }
            QRect target(QPoint(), fitted);
            target.moveCenter(box.center());
            p.setRenderHint(QPainter::SmoothPixmapTransform, !enlarge);
            p.drawImage(target, c.image);
        }
        p.setPen(QPen(QColor(0x90, 0x90, 0x90), 0.8));
        p.drawRect(box);
    }
    y = box.bottom() + pad / 2;
    const int line = QFontMetrics(base).height() + 1;
    const int smallLine = QFontMetrics(small).height() + 1;
    y += wrapped(pad, y, box.width(), c.title, bold);
    if (!c.file.isEmpty()) {
        if (draw) {
            p.setFont(small);
            p.setPen(grey);
            p.drawText(QRect(pad, y, box.width(), smallLine), Qt::AlignLeft | Qt::AlignVCenter,
                       QFontMetrics(small).elidedText(QFileInfo(c.file).fileName(), Qt::ElideMiddle, box.width()));
        }
        y += smallLine;
    }
    y += wrapped(pad, y, box.width(), c.verdict, base) + pad / 2;
    if (!c.top.isEmpty()) {
        text(QRect(pad, y, box.width(), line), Qt::AlignLeft | Qt::AlignVCenter, tr("Top-5 softmax"), bold);
        y += line;
        const int labelW = box.width() * 35 / 100, valueW = QFontMetrics(small).horizontalAdvance(QStringLiteral("100.0 %"));
        const int barW = box.width() - labelW - valueW - 8;
        for (const auto& t : c.top) {
            text(QRect(pad, y, labelW, smallLine), Qt::AlignLeft | Qt::AlignVCenter, t.label, small);
            if (draw) {
                p.fillRect(QRectF(pad + labelW, y + 2, std::max(1.0, barW * t.probability), smallLine - 4), bar);
                p.setPen(QPen(QColor(0xc0, 0xc0, 0xc0), 0.5));
                p.drawRect(QRectF(pad + labelW, y + 2, barW, smallLine - 4));
            }
            text(QRect(pad + labelW + barW + 4, y, valueW + 4, smallLine), Qt::AlignRight | Qt::AlignVCenter,
                 percent(t.probability), small);
            y += smallLine;
        }
    }
    const int leftBottom = y;

    // Right column: the scores as a booktabs-style table, then the decomposition.
    const int x0 = left + 2 * pad, w = width - x0 - pad;
    const int cMethod = w * 26 / 100, cScore = w * 15 / 100, cPct = w * 24 / 100, cDecision = w * 15 / 100,
              cAt = w - cMethod - cScore - cPct - cDecision;
    const int xs[] = {x0, x0 + cMethod, x0 + cMethod + cScore, x0 + cMethod + cScore + cPct,
                      x0 + cMethod + cScore + cPct + cDecision};
    y = pad;
    auto rule = [&](double thickness) {
        if (draw) {
            p.setPen(QPen(Qt::black, thickness));
            p.drawLine(QPointF(x0, y + 1), QPointF(x0 + w, y + 1));
        }
        y += 3;
    };
    rule(1.0);
    const QStringList headers{tr("Method"), tr("Score"), tr("ID percentile"), tr("Decision"), tr("Threshold*")};
    const int widths[] = {cMethod, cScore, cPct, cDecision, cAt};
    for (int i = 0; i < 5; ++i)
        text(QRect(xs[i], y, widths[i] - 4, line), (i == 1 ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter,
             headers[i], bold);
    y += line;
    rule(0.6);
    for (const auto& r : c.rows) {
        if (!r.group.isEmpty()) {
            QFont italic = small;
            italic.setItalic(true);
            text(QRect(x0, y, w, smallLine), Qt::AlignLeft | Qt::AlignVCenter, r.group, italic, grey);
            y += smallLine;
            continue;
        }
        QFont f = small;
        f.setBold(r.current);
        text(QRect(xs[0], y, cMethod - 4, smallLine), Qt::AlignLeft | Qt::AlignVCenter, r.method, f);
        // A score wider than its column is given with fewer digits rather than cut.
        QString score = r.score;
        bool isNumber = false;
        const double value = score.toDouble(&isNumber);
        for (int digits = 4; isNumber && digits >= 2 && QFontMetrics(f).horizontalAdvance(score) > cScore - 12; --digits)
            score = QString::number(value, 'g', digits);
        text(QRect(xs[1], y, cScore - 6, smallLine), Qt::AlignRight | Qt::AlignVCenter, score, f);
        const int pctText = QFontMetrics(f).horizontalAdvance(QStringLiteral("100.0 %")) + 4;
        text(QRect(xs[2], y, pctText, smallLine), Qt::AlignRight | Qt::AlignVCenter, r.percentile, f);
        if (draw && r.percentileValue >= 0) {
            const QRectF track(xs[2] + pctText + 4, y + smallLine / 2.0 - 2, cPct - pctText - 12, 4);
            p.fillRect(track, QColor(0xe4, 0xe4, 0xe4));
            p.fillRect(QRectF(track.left(), track.top(), track.width() * r.percentileValue, track.height()), bar);
        }
        // "accepted at the current threshold 1.2": the verdict, then where it was judged.
        const int at = r.decision.indexOf(tr(" at "));
        const QString verdict = at > 0 ? r.decision.left(at) : r.decision;
        // The threshold's value; which threshold it is goes in the note under the table.
        const QString where = at > 0 ? r.decision.section(QLatin1Char(' '), -1) : QString();
        text(QRect(xs[3], y, cDecision, smallLine), Qt::AlignLeft | Qt::AlignVCenter, verdict, f,
             verdict.startsWith(tr("flagged")) ? QColor(0xD5, 0x5E, 0x00) : QColor(Qt::black));
        text(QRect(xs[4], y, cAt, smallLine), Qt::AlignLeft | Qt::AlignVCenter, where, f);
        y += smallLine;
    }
    rule(1.0);
    y += wrapped(x0, y, w,
                 tr("* Each method is judged at the threshold accepting 95 % of the ID set; the current method "
                    "(bold) at the threshold chosen in the window."),
                 small);
    if (!c.decomposition.isEmpty()) {
        y += pad / 2;
        text(QRect(x0, y, w, line), Qt::AlignLeft | Qt::AlignVCenter, tr("Decomposition"), heading);
        y += line;
        for (const QString& d : c.decomposition) {
            const QRect bounds = QFontMetrics(small).boundingRect(QRect(x0, y, w, 1000), Qt::TextWordWrap, d);
            if (draw) {
                p.setFont(small);
                p.setPen(Qt::black);
                p.drawText(QRect(x0, y, w, bounds.height()), Qt::TextWordWrap | Qt::AlignLeft, d);
            }
            y += bounds.height() + 2;
        }
    }
    return std::max(leftBottom, y) + pad;
}

} // namespace

InspectorFigureContent inspectorFigureContent(const Workspace& session, ThumbnailLoader* loader,
                                              const QTreeWidget* scores)
{
    InspectorFigureContent c;
    const RunResultPtr r = session.result();
    const ImageRef ref = session.currentImage();
    if (!r || !ref.isValid() || r->idIndex < 0)
        return c;
    const auto d = static_cast<std::size_t>(ref.dataset);
    const auto row = static_cast<std::size_t>(ref.row);
    if (d >= r->features.size() || !r->features[d] || row >= r->features[d]->rows)
        return c;
    const FeatureSet& set = *r->features[d];
    c.title = tr("%1, image %2").arg(QString::fromStdString(r->datasets[d].name)).arg(row);
    c.file = row < set.paths.size() ? QString::fromStdString(set.paths[row]) : QString();
    const int label = row < set.labels.size() ? set.labels[row] : -1;
    const int predicted = set.prediction(row);
    // Right or wrong only for an ID class label (RunResult::isIdClassLabel), as in the inspector.
    const bool judged = r->isIdClassLabel(d, label);
    c.verdict = tr("%1 \u00b7 predicted %2%3")
                    .arg(label < 0 ? tr("true label unknown")
                         : judged  ? tr("true label %1").arg(labelText(*r, d, label))
                                   : tr("label %1 (not an ID class)").arg(labelText(*r, d, label)),
                         predictionText(*r, predicted),
                         judged ? (label == predicted ? tr(" (correct)") : tr(" (wrong)")) : QString());
    for (const ClassProbability& p : topProbabilities(set.logitRow(row), set.classes, 5))
        c.top.push_back({tr("class %1").arg(predictionText(*r, p.cls)), p.probability});

    if (loader) {
        c.image = loader->image(ref);
        if (c.image.isNull() && loader->images()) {
            try {
                c.image = loader->images()->image(ref); // decoded here: the export waits for it
            } catch (const std::exception&) {
            }
        }
    }
    if (scores)
        for (int i = 0; i < scores->topLevelItemCount(); ++i) {
            const QTreeWidgetItem* item = scores->topLevelItem(i);
            InspectorFigureContent::Row x;
            if (item->isFirstColumnSpanned()) {
                x.group = item->text(0);
            } else {
                x.method = item->text(0);
                x.score = item->text(1);
                x.percentile = item->text(2);
                x.decision = item->text(3);
                x.current = item->font(0).bold();
                bool ok = false;
                const double v = QString(x.percentile).remove(QLatin1Char('%')).trimmed().toDouble(&ok);
                x.percentileValue = ok ? std::clamp(v / 100.0, 0.0, 1.0) : -1;
            }
            c.rows.push_back(x);
        }

    const auto id = static_cast<std::size_t>(r->idIndex);
    for (const MethodInfo& info : methodRegistry()) {
        if (info.group != MethodGroup::Gradient || !info.factors || r->scores.find(info.id) == r->scores.end() ||
            id >= r->features.size() || !r->features[id])
            continue;
        try {
            const DecompositionReference reference(info.id, *r->features[id], r->head, r->params);
            const FactorPercentiles p = reference.locate(set, row);
            c.decomposition << tr("%1 = feature term %2 (ID pct %3) \u00d7 output term %4 (ID pct %5) = %6")
                                   .arg(methodDisplayLabel(info.id, r->params), number(p.value.featureTerm),
                                        percent(p.featurePercentile), number(p.value.outputTerm),
                                        percent(p.outputPercentile), number(p.score));
        } catch (const Error& e) {
            c.decomposition << QString::fromStdString(e.what());
        }
    }
    return c;
}

QString writeInspectorFigure(const QString& file, const InspectorFigureContent& content, const FigureOptions& options)
{
    if (content.empty())
        return tr("nothing to export: pick an image first");
    const int width = qRound(options.size.widthInches() * 96);
    QImage probe(1, 1, QImage::Format_ARGB32);
    probe.setDotsPerMeterX(qRound(96 / 0.0254));
    probe.setDotsPerMeterY(qRound(96 / 0.0254));
    int height = 0;
    {
        QPainter p(&probe);
        height = layoutFigure(p, content, options, width, false);
    }
    QString error;
    if (!writePaintedFigure(file, QSize(width, height), options,
                            [&](QPainter& p) { layoutFigure(p, content, options, width, true); }, &error))
        return error;
    return {};
}

} // namespace oodlens::ui
