// SPDX-License-Identifier: GPL-3.0-or-later
// The non-gradient family of Igoe et al. (2022): feature norm x output term, for every registered
// feature norm and output term, so that a new output term joins the family by registering.
#include "methods/Method.h"
#include "methods/Registry.h"

namespace oodlens {
namespace {
// The member every starting selection shows, as the family's representative.
const char* const kShownByDefault = "l1_x_msp";

ParamSpec exponentParam()
{
    ParamSpec a{kExponentParam, 1.0, "exponent of the feature norm (0: the output term alone)"};
    a.min = 0;
    a.max = 8;
    a.grid = {0, 0.5, 1, 2}; // the factor analysis's exponents
    return a;
}
} // namespace

const char* const kExponentParam = "a";

void registerFamily(MethodRegistry& r)
{
    std::vector<const MethodInfo*> norms, outputs;
    for (const MethodInfo& m : r.all()) {
        if (m.featureNorm > 0)
            norms.push_back(&m);
        if (m.outputTerm)
            outputs.push_back(&m);
    }
    std::vector<MethodInfo> members;
    for (const MethodInfo* f : norms)
        for (const MethodInfo* o : outputs) {
            // "feature_l1" x "msp" -> "l1_x_msp", labelled "||h||_1 x MSP".
            const std::string norm = f->id.substr(f->id.find('_') + 1);
            MethodInfo m;
            m.id = norm + "_x_" + o->id;
            m.label = f->label + " x " + o->label;
            m.group = MethodGroup::Family;
            m.params = o->params;
            m.params.push_back(exponentParam());
            m.formula = f->label + "^a * " + o->formula;
            m.reference = "Igoe et al., 2022";
            m.factors = Factors{f->id, o->id, nullptr, [](const ParamValues& p) { return p.get(kExponentParam); }};
            m.panels = m.id == kShownByDefault ? (PanelGui | PanelDemo) : 0;
            members.push_back(std::move(m));
        }
    for (MethodInfo& m : members)
        r.add(std::move(m));
}

} // namespace oodlens
