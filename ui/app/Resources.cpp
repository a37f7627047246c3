// SPDX-License-Identifier: GPL-3.0-or-later
#include "app/Resources.h"

#include <QtGlobal>

// Q_INIT_RESOURCE must be used outside any namespace.
static void initOodlensResources()
{
    Q_INIT_RESOURCE(oodlens);
}

namespace oodlens::ui {

void initResources()
{
    static const bool done = (initOodlensResources(), true);
    Q_UNUSED(done);
}

QIcon appIcon()
{
    initResources();
    return QIcon(QStringLiteral(":/icons/oodlens.svg"));
}

} // namespace oodlens::ui
