// SPDX-License-Identifier: GPL-3.0-or-later
#include "explore/ContactSheet.h"

#include "plots/FigureExport.h"

#include <QFileInfo>
#include <QPainter>
#include <QPdfWriter>

namespace oodlens::ui {

QSize ContactSheetLayout::sheetSize(int tiles) const
{
    const int cols = qMax(1, qMin(columns, qMax(1, tiles)));
    const int rows = tiles <= 0 ? 0 : (tiles + columns - 1) / columns;
    return {margin + cols * (tile + margin), titleHeight() + margin + rows * (tile + captionHeight() + margin)};
}

QFont contactSheetFont(const ContactSheetLayout& layout)
{
    QFont font(layout.fontFamily.isEmpty() ? defaultFigureFontFamily() : layout.fontFamily);
    font.setPixelSize(layout.fontPixels);
    font.setStyleStrategy(QFont::StyleStrategy(QFont::PreferOutline | QFont::NoFontMerging));
    font.setHintingPreference(QFont::PreferNoHinting);
    return font;
}

ContactSheetLayout fitCaptions(ContactSheetLayout layout, const QVector<ContactTile>& tiles)
{
    auto widest = [&](const ContactSheetLayout& l) {
        const QFontMetrics metrics(contactSheetFont(l));
        int w = 0;
        for (const ContactTile& t : tiles)
            for (const QString& line : t.caption)
                w = qMax(w, metrics.horizontalAdvance(line) + 2);
        return w;
    };
    for (const ContactTile& t : tiles)
        layout.captionLines = qMax(layout.captionLines, static_cast<int>(t.caption.size()));
    while (layout.fontPixels > layout.minFontPixels && widest(layout) > layout.tile)
        --layout.fontPixels;
    layout.tile = qMax(layout.tile, widest(layout));
    return layout;
}

void paintContactSheet(QPainter& painter, const QVector<ContactTile>& tiles, const ContactSheetLayout& layout)
{
    painter.setFont(contactSheetFont(layout));
    painter.setPen(Qt::black);
    if (!layout.title.isEmpty())
        painter.drawText(QRect(layout.margin, layout.margin / 2, layout.sheetSize(tiles.size()).width(),
                               2 * layout.fontPixels),
                         Qt::AlignLeft | Qt::AlignVCenter, layout.title);
    const int lineHeight = layout.fontPixels + 3;
    for (int i = 0; i < tiles.size(); ++i) {
        const int col = i % layout.columns, row = i / layout.columns;
        const int x = layout.margin + col * (layout.tile + layout.margin);
        const int y = layout.titleHeight() + layout.margin + row * (layout.tile + layout.captionHeight() + layout.margin);
        const QRect box(x, y, layout.tile, layout.tile);
        painter.fillRect(box, QColor(235, 235, 235));
        const QImage& img = tiles[i].image;
        if (!img.isNull()) {
            const bool enlarge = img.width() < layout.tile && img.height() < layout.tile;
            const QImage fitted = img.scaled(box.size(), Qt::KeepAspectRatio,
                                             enlarge ? Qt::FastTransformation : Qt::SmoothTransformation);
            QRect target(QPoint(), fitted.size());
            target.moveCenter(box.center());
            painter.drawImage(target, fitted);
        }
        for (int l = 0; l < qMin(layout.captionLines, static_cast<int>(tiles[i].caption.size())); ++l)
            painter.drawText(QRect(x, y + layout.tile + l * lineHeight, layout.tile, lineHeight),
                             Qt::AlignHCenter | Qt::AlignVCenter,
                             painter.fontMetrics().elidedText(tiles[i].caption[l], Qt::ElideRight, layout.tile));
    }
}

QImage renderContactSheet(const QVector<ContactTile>& tiles, const ContactSheetLayout& layout)
{
    QImage sheet(layout.sheetSize(tiles.size()), QImage::Format_RGB32);
    sheet.fill(Qt::white);
    QPainter painter(&sheet);
    paintContactSheet(painter, tiles, layout);
    return sheet;
}

QString writeContactSheet(const QString& file, const QVector<ContactTile>& tiles, const ContactSheetLayout& asked)
{
    const ContactSheetLayout layout = fitCaptions(asked, tiles);
    if (QFileInfo(file).suffix().compare(QStringLiteral("pdf"), Qt::CaseInsensitive) == 0) {
        const QSize size = layout.sheetSize(tiles.size());
        QPdfWriter writer(file);
        writer.setResolution(96); // one sheet pixel is one PDF pixel at 96 dpi
        writer.setPageSize(QPageSize(QSizeF(size) * 25.4 / 96.0, QPageSize::Millimeter));
        writer.setPageMargins(QMarginsF(0, 0, 0, 0));
        writer.setTitle(layout.title);
        QPainter painter;
        if (!painter.begin(&writer))
            return QStringLiteral("cannot write '%1'").arg(file);
        paintContactSheet(painter, tiles, layout);
        painter.end();
        return {};
    }
    if (!renderContactSheet(tiles, layout).save(file))
        return QStringLiteral("cannot write '%1': unknown image format or the folder is not writable").arg(file);
    return {};
}

} // namespace oodlens::ui
