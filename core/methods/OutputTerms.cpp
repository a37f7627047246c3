// SPDX-License-Identifier: GPL-3.0-or-later
// Output-space scores: functions of one row of logits (shared/reference/ood-methods.md). Each is
// also an output term of the family and of the gradient scores' factorisation.
#include "methods/Method.h"
#include "methods/internal/CommonParams.h"
#include "methods/internal/Softmax.h"

namespace oodlens {

ParamSpec temperatureParam()
{
    ParamSpec t{"T", 1.0, "softmax temperature"};
    t.min = 0;
    t.minExclusive = true;
    t.grid = {0.5, 1, 2, 5, 10, 100, 1000};
    return t;
}

void registerOutputTerms(MethodRegistry& r)
{
    const std::vector<ParamSpec> t{temperatureParam()};
    MethodInfo m;
    m.group = MethodGroup::Output;

    m.id = "msp";
    m.label = "MSP";
    m.formula = "max_c softmax(z)_c";
    m.reference = "Hendrycks & Gimpel, ICLR 2017";
    m.panels = PanelGui | PanelDemo;
    m.comparisonRank = 3;
    m.outputTerm = [](const float* z, int classes, const ParamValues&, std::vector<double>& p) {
        softmaxRow(z, classes, 1.0, p); // MSP is defined on the plain softmax
        return *std::max_element(p.begin(), p.end());
    };
    r.add(m);

    m.id = "maxlogit";
    m.label = "MaxLogit";
    m.formula = "max_c z_c";
    m.reference = "Hendrycks et al., ICML 2022";
    m.comparisonRank = 2;
    m.outputTerm = [](const float* z, int classes, const ParamValues&, std::vector<double>&) {
        return double(*std::max_element(z, z + classes));
    };
    r.add(m);

    m.id = "energy";
    m.label = "Energy";
    m.params = t;
    m.formula = "T logsumexp(z/T)";
    m.reference = "Liu et al., NeurIPS 2020";
    m.comparisonRank = 1;
    m.outputTerm = [](const float* z, int classes, const ParamValues& v, std::vector<double>& p) {
        const double temperature = v.get("T");
        return temperature * softmaxRow(z, classes, temperature, p);
    };
    r.add(m);

    m.id = "gradterm";
    m.label = "GradNorm output term";
    m.formula = "||softmax(z/T) - 1/C||_1";
    m.reference = "Huang et al., NeurIPS 2021 (the output factor of GradNorm)";
    m.comparisonRank = 0;
    m.outputTerm = [](const float* z, int classes, const ParamValues& v, std::vector<double>& p) {
        softmaxRow(z, classes, v.get("T"), p);
        double s = 0;
        for (double x : p)
            s += std::fabs(x - 1.0 / classes);
        return s;
    };
    r.add(m);

    m.id = "gini";
    m.label = "Gini";
    m.formula = "1 - sum_c softmax(z/T)_c^2";
    m.reference = "Igoe et al., 2022 (the output factor of ExGrad)";
    m.panels = PanelGui;
    m.outputTerm = [](const float* z, int classes, const ParamValues& v, std::vector<double>& p) {
        softmaxRow(z, classes, v.get("T"), p);
        double s = 0;
        for (double x : p)
            s += x * x;
        return 1.0 - s;
    };
    r.add(m);
}

} // namespace oodlens

namespace oodlens {

ParamSpec percentileParam(double defaultValue, const char* help, bool includeZero, bool includeHundred)
{
    ParamSpec p{"p", defaultValue, help};
    p.min = 0;
    p.max = 100;
    p.minExclusive = !includeZero;
    p.maxExclusive = !includeHundred;
    return p;
}

std::int64_t keptTopEntries(std::int64_t dim, double p)
{
    // nearbyint rounds half to even in the default rounding mode; llround would round half away
    // from zero and keep one entry fewer than the reference at a tie.
    const double pruned = std::nearbyint(static_cast<double>(dim) * p / 100.0);
    return std::max<std::int64_t>(1, dim - static_cast<std::int64_t>(pruned));
}

} // namespace oodlens
