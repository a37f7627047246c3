// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// How a class is written in the Explore views: its number, and its name when known.
#include "run/RunResult.h"

#include <QString>

namespace oodlens::ui {

// "5 · dog", or "5" when the name is unknown or is the number itself (MNIST's "0".."9"). Plain
// text; escape it for rich text.
inline QString classText(int cls, const std::string& name)
{
    const QString number = QString::number(cls);
    const QString named = QString::fromStdString(name);
    return named.isEmpty() || named == number ? number : number + QStringLiteral(" · ") + named;
}

// Model class `cls` of a result (what a prediction is).
inline QString predictionText(const RunResult& r, int cls)
{
    return classText(cls, r.className(cls));
}

// Label `label` of dataset `dataset` of a result, with the dataset's own name for it.
inline QString labelText(const RunResult& r, std::size_t dataset, int label)
{
    return classText(label, r.labelName(dataset, label));
}

} // namespace oodlens::ui
