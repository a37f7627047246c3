// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
#include "features/ResolvedPreprocess.h"

#include <QString>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace oodlens::ui {

class Workspace;

// How images become model input, and where each value comes from. The editors hold the user's
// own values (config().preprocess); a field left at "auto" shows what the model side gives it
// (its sidecar, its input shape, or a guess) and that origin beside it. A line above says what is
// a guess. Apply sets the user's values (Workspace::setPreprocess: a result of other preprocessing
// is cleared, and the analysis reruns when it has run before); "Use the model's" clears them.
// Values are checked by the core's validatePreprocess, the rule the CLI and sessions use.
class PreprocessPanel : public QWidget {
    Q_OBJECT

public:
    explicit PreprocessPanel(Workspace* workspace, QWidget* parent = nullptr);

    // The spec the editors hold; throws oodlens::Error naming the field when a value is invalid.
    PreprocessSpec editedSpec() const;
    // The origin shown beside field `name` ("resize", "crop", "channels", "size", "mean", "std").
    QString originText(const QString& name) const;
    QString guessText() const;
    QLabel* guessLine() const { return guess_; }

    QComboBox* presetCombo() const { return preset_; }
    QSpinBox* resizeSpin() const { return resize_; }
    QSpinBox* cropSpin() const { return crop_; }
    QComboBox* channelsCombo() const { return channels_; }
    QSpinBox* heightSpin() const { return height_; }
    QSpinBox* widthSpin() const { return width_; }
    QLineEdit* meanEdit() const { return mean_; }
    QLineEdit* stdEdit() const { return std_; }
    QPushButton* applyButton() const { return apply_; }
    QPushButton* modelDefaultsButton() const { return reset_; }

public Q_SLOTS:
    // Applies the editors; false (and an error beside them) when a value is invalid.
    bool apply();
    // Back to the model's own preprocessing (sidecar, input shape).
    void useModelDefaults();

private:
    void showConfig();   // the editors from the workspace's config
    void showOrigins();  // the resolved values, origins and the guess line
    void presetChosen(int index);
    // The editors (all but the preset) from `spec`, without counting as an edit.
    void fillEditors(const PreprocessSpec& spec);
    void updateApply();

    Workspace* workspace_;
    QLabel* guess_;
    QComboBox* preset_;
    QSpinBox* resize_;
    QSpinBox* crop_;
    QComboBox* channels_;
    QSpinBox* height_;
    QSpinBox* width_;
    QLineEdit* mean_;
    QLineEdit* std_;
    QLabel* error_;
    QPushButton* apply_;
    QPushButton* reset_;
    bool filling_ = false;
};

} // namespace oodlens::ui
