// SPDX-License-Identifier: GPL-3.0-or-later
// The Methods dock's parameter editor takes its ranges from the registry: every registered
// parameter shows its default as it is (KNN's nlist = 0 once showed as 0.0001, so exact search could
// not be chosen again), integers show no decimals, and the box stops at the ends the engine accepts.
#include "docks/MethodParamsEditor.h"
#include "methods/Registry.h"

#include <QDoubleSpinBox>
#include <QtTest>

#include <cmath>

using namespace oodlens;
using namespace oodlens::ui;

class TestMethodParamsEditor : public QObject {
    Q_OBJECT

private slots:
    void everyDefaultIsShownAndEveryEndAccepted();
    void knnIndexParametersAreIntegers();
};

void TestMethodParamsEditor::everyDefaultIsShownAndEveryEndAccepted()
{
    MethodParamsEditor editor;
    int checked = 0;
    for (const MethodInfo& m : methodRegistry()) {
        editor.setMethod(QString::fromStdString(m.id), ScoreParams());
        for (const ParamSpec& spec : m.params) {
            if (spec.isSwitch())
                continue;
            QDoubleSpinBox* box = editor.editorFor(QString::fromStdString(spec.name));
            const QByteArray what = QByteArray::fromStdString(m.id + "." + spec.name);
            QVERIFY2(box, what.constData());
            QVERIFY2(box->value() == spec.defaultValue, (what + " shows " + QByteArray::number(box->value())).constData());
            QVERIFY2(spec.accepts(box->minimum()), (what + " minimum " + QByteArray::number(box->minimum())).constData());
            QVERIFY2(spec.accepts(box->maximum()), (what + " maximum " + QByteArray::number(box->maximum())).constData());
            if (spec.integer)
                QCOMPARE(box->decimals(), 0);
            // Every grid value a sweep may apply can be shown.
            for (double v : spec.grid)
                QVERIFY2(v >= box->minimum() && v <= box->maximum(), (what + " grid " + QByteArray::number(v)).constData());
            ++checked;
        }
    }
    QVERIFY(checked > 20);
}

void TestMethodParamsEditor::knnIndexParametersAreIntegers()
{
    MethodParamsEditor editor;
    editor.setMethod(QStringLiteral("knn"), ScoreParams());
    QDoubleSpinBox* nlist = editor.editorFor(QStringLiteral("nlist"));
    QDoubleSpinBox* nprobe = editor.editorFor(QStringLiteral("nprobe"));
    QVERIFY(nlist && nprobe);
    QCOMPARE(nlist->value(), 0.0);
    QCOMPARE(nlist->minimum(), 0.0);
    QCOMPARE(nprobe->minimum(), 1.0);
    QCOMPARE(nlist->text(), QStringLiteral("0"));
}

QTEST_MAIN(TestMethodParamsEditor)
#include "test_methodparamseditor.moc"
