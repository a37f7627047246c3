// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include <QFont>
#include <QImage>
#include <QSize>
#include <QString>
#include <QStringList>
#include <QVector>

class QPainter;

namespace oodlens::ui {

// One image of a contact sheet and the lines printed under it (rank, dataset, scores).
struct ContactTile {
    QImage image;
    QStringList caption;
};

// A grid of tiles: `columns` per row, each image fitted into tile x tile pixels (small images are
// enlarged without blur), `captionLines` lines of text under each, an optional title on top (none
// by default: a paper has its caption). Text in `fontFamily` (empty: the figures' default family,
// embedded in PDFs).
struct ContactSheetLayout {
    int columns = 8;
    int tile = 128;
    int captionLines = 3;
    int margin = 8;
    int fontPixels = 11;
    int minFontPixels = 8;
    QString title;
    QString fontFamily;

    int captionHeight() const { return captionLines * (fontPixels + 3); }
    int titleHeight() const { return title.isEmpty() ? 0 : 2 * fontPixels + margin; }
    // The size of the sheet for n tiles, in pixels.
    QSize sheetSize(int tiles) const;
};

// The layout with captions that fit their tiles whole: the font shrinks (not below minFontPixels)
// until the widest caption line fits, then the tiles widen to it; every caption's lines get a row.
ContactSheetLayout fitCaptions(ContactSheetLayout layout, const QVector<ContactTile>& tiles);
// The font of the sheet's text.
QFont contactSheetFont(const ContactSheetLayout& layout);

// Paints the sheet with its top-left corner at (0, 0) in a sheetSize() area.
void paintContactSheet(QPainter& painter, const QVector<ContactTile>& tiles, const ContactSheetLayout& layout);
QImage renderContactSheet(const QVector<ContactTile>& tiles, const ContactSheetLayout& layout);
// Writes a .pdf (one page of the sheet's size, text as text) or any raster format Qt knows by the
// file's suffix (PNG by default), with fitCaptions(layout, tiles). Safe on a worker thread.
// Returns an error message, empty on success.
QString writeContactSheet(const QString& file, const QVector<ContactTile>& tiles, const ContactSheetLayout& layout);

} // namespace oodlens::ui
