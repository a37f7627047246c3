// SPDX-License-Identifier: GPL-3.0-or-later
#include "explore/FlowLayout.h"

#include <QWidget>

#include <algorithm>
#include <vector>

namespace oodlens::ui {

FlowLayout::FlowLayout(QWidget* parent, int hSpacing, int vSpacing)
    : QLayout(parent), hSpacing_(hSpacing), vSpacing_(vSpacing)
{
    setContentsMargins(0, 0, 0, 0);
}

FlowLayout::~FlowLayout()
{
    while (QLayoutItem* item = takeAt(0))
        delete item;
}

void FlowLayout::addItem(QLayoutItem* item)
{
    items_.append(item);
}

QLayoutItem* FlowLayout::takeAt(int index)
{
    return index >= 0 && index < items_.size() ? items_.takeAt(index) : nullptr;
}

QSize FlowLayout::minimumSize() const
{
    QSize size;
    for (const QLayoutItem* item : items_)
        size = size.expandedTo(item->minimumSize());
    const QMargins m = contentsMargins();
    return size + QSize(m.left() + m.right(), m.top() + m.bottom());
}

QSize FlowLayout::sizeHint() const
{
    // One row when there is room for it.
    int width = 0, height = 0;
    for (const QLayoutItem* item : items_) {
        width += item->sizeHint().width() + (width > 0 ? hSpacing_ : 0);
        height = std::max(height, item->sizeHint().height());
    }
    const QMargins m = contentsMargins();
    return {width + m.left() + m.right(), height + m.top() + m.bottom()};
}

void FlowLayout::setGeometry(const QRect& rect)
{
    QLayout::setGeometry(rect);
    doLayout(rect, false);
}

int FlowLayout::doLayout(const QRect& rect, bool testOnly) const
{
    const QMargins m = contentsMargins();
    const QRect area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom());
    const int width = std::max(1, area.width());
    // Rows are filled by the items' minimum widths, so that as many share a row as can; then each
    // row's spare width lets its items grow towards their preferred widths.
    std::vector<QLayoutItem*> visible;
    for (QLayoutItem* item : items_)
        if (!item->isEmpty())
            visible.push_back(item);
    int y = area.y();
    std::size_t first = 0;
    while (first < visible.size()) {
        std::size_t last = first;
        int used = std::min(visible[first]->minimumSize().width(), width);
        while (last + 1 < visible.size() && used + hSpacing_ + visible[last + 1]->minimumSize().width() <= width)
            used += hSpacing_ + visible[++last]->minimumSize().width();
        int spare = width - used, rowHeight = 0, x = area.x();
        for (std::size_t k = first; k <= last; ++k) {
            QLayoutItem* item = visible[k];
            const int min = std::min(item->minimumSize().width(), width);
            const int grow = std::min(std::max(0, item->sizeHint().width() - min), spare);
            spare -= grow;
            const QSize size(min + grow, item->sizeHint().height());
            if (!testOnly)
                item->setGeometry(QRect(QPoint(x, y), size));
            x += size.width() + hSpacing_;
            rowHeight = std::max(rowHeight, size.height());
        }
        y += rowHeight + vSpacing_;
        first = last + 1;
    }
    if (!visible.empty())
        y -= vSpacing_;
    return y - rect.y() + m.bottom();
}

} // namespace oodlens::ui
