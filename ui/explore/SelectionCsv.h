// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "workspace/ResultMetaTypes.h"
#include "workspace/Workspace.h"

#include <QString>
#include <QVector>

namespace oodlens::ui {

// Text of a CSV of the given images: dataset,row,index,path,label,prediction,<method>...,
// label_name,prediction_name (one column per scored method, higher = more ID; the names as in
// scores.csv, empty where unknown), one line per image in the given order.
QString selectionCsv(const RunResult& result, const QVector<ImageRef>& images);
// Writes selectionCsv() atomically; returns an error message, empty on success.
QString writeSelectionCsv(const QString& file, const RunResult& result, const QVector<ImageRef>& images);

} // namespace oodlens::ui
