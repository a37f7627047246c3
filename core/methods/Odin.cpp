// SPDX-License-Identifier: GPL-3.0-or-later
// ODIN (Liang, Li & Srikant, ICLR 2018): temperature scaling and a small input perturbation
// against the gradient of the predicted class; needs the images again (Classifier::odinScores).
#include "methods/Method.h"
#include "methods/internal/CommonParams.h"

namespace oodlens {

void registerOdin(MethodRegistry& r)
{
    MethodInfo m;
    m.id = "odin";
    m.label = "ODIN";
    m.group = MethodGroup::Perturbation;
    ParamSpec t = temperatureParam();
    t.defaultValue = 1000;
    t.grid = {1, 10, 100, 1000}; // OpenOOD's odin sweep
    ParamSpec eps{"eps", 0.0014, "input perturbation (pixel units)"};
    eps.min = 0;
    eps.grid = {0.0014, 0.0028};
    m.params = {t, eps};
    m.formula = "max softmax(z(x')/T), x' = x - eps sign(-grad_x log max softmax(z/T)) / std";
    m.reference = "Liang, Li & Srikant, ICLR 2018";
    m.needs = NeedsImages;
    m.panels = PanelDemo;
    m.images = [](const Classifier& model, const ImageBatch& b, const ParamValues& p) {
        return model.odinScores(b.input, b.n, b.c, b.h, b.w, p.get("T"), p.get("eps"), b.preprocess->stddev);
    };
    r.add(std::move(m));
}

} // namespace oodlens
