// SPDX-License-Identifier: GPL-3.0-or-later
#include "plots/OkabeIto.h"

#include <qcustomplot.h>

#include <algorithm>
#include <array>

namespace oodlens::ui {

namespace {

constexpr std::array<QRgb, 8> kOkabeIto = {
    qRgb(0x00, 0x00, 0x00), // black
    qRgb(0xE6, 0x9F, 0x00), // orange
    qRgb(0x56, 0xB4, 0xE9), // sky blue
    qRgb(0x00, 0x9E, 0x73), // bluish green
    qRgb(0xF0, 0xE4, 0x42), // yellow
    qRgb(0x00, 0x72, 0xB2), // blue
    qRgb(0xD5, 0x5E, 0x00), // vermillion
    qRgb(0xCC, 0x79, 0xA7), // reddish purple
};

// ID first; then the OOD sets, most contrasting first. Yellow and black come last: yellow is
// faint on white and black reads as an axis.
constexpr std::array<int, 8> kDatasetOrder = {5, 6, 1, 3, 7, 2, 4, 0};

} // namespace

QColor okabeItoColor(int index)
{
    const int n = static_cast<int>(kOkabeIto.size());
    return QColor(kOkabeIto[static_cast<std::size_t>(((index % n) + n) % n)]);
}

QColor datasetColor(int slot)
{
    const int n = static_cast<int>(kDatasetOrder.size());
    if (slot < 0)
        slot = 0;
    // Past the palette, OOD colours repeat (skipping the ID blue).
    const int i = slot < n ? slot : 1 + (slot - 1) % (n - 1);
    return okabeItoColor(kDatasetOrder[static_cast<std::size_t>(i)]);
}

MethodLook methodLook(int slot)
{
    // Black first (the current method stands out), yellow last (faint on white).
    constexpr std::array<int, 8> kMethodOrder = {0, 6, 5, 3, 7, 1, 2, 4};
    constexpr std::array<Qt::PenStyle, 5> kStyles = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine,
                                                     Qt::DashDotDotLine};
    const int n = static_cast<int>(kMethodOrder.size());
    slot = std::max(0, slot) % kDistinctMethodLooks;
    return {okabeItoColor(kMethodOrder[static_cast<std::size_t>(slot % n)]),
            kStyles[static_cast<std::size_t>(slot / n)]};
}

QColor methodColor(int slot)
{
    return methodLook(slot).color;
}

int oodMarker(int oodSlot)
{
    constexpr std::array<QCPScatterStyle::ScatterShape, 8> kMarkers = {
        QCPScatterStyle::ssNone,    QCPScatterStyle::ssCircle, QCPScatterStyle::ssSquare,
        QCPScatterStyle::ssTriangle, QCPScatterStyle::ssDiamond, QCPScatterStyle::ssCross,
        QCPScatterStyle::ssPlus,    QCPScatterStyle::ssStar};
    return kMarkers[static_cast<std::size_t>(std::max(0, oodSlot)) % kMarkers.size()];
}

} // namespace oodlens::ui
