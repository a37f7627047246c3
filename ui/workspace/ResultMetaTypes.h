// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The engine's result types as Qt meta types, so that they travel through queued signals.
#include "run/RunResult.h"

#include <QMetaType>

Q_DECLARE_METATYPE(oodlens::RunResultPtr)
Q_DECLARE_METATYPE(oodlens::DatasetSummary)
Q_DECLARE_METATYPE(oodlens::ModelInfo)
