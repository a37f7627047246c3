// SPDX-License-Identifier: GPL-3.0-or-later
// Closed-form gradient scores against LibTorch autograd through the demo model's head weight,
// and the algebraic identities of the feature-norm x output-term family.
#include "run/Pipeline.h"
#include "run/Demo.h"
#include "common/Error.h"
#include "common/Runtime.h"
#include "methods/Scores.h"

#include <QtTest>

#include <cmath>

using namespace oodlens;

namespace {

double maxRelativeError(const std::vector<double>& a, const std::vector<double>& b)
{
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(std::abs(b[i]), 1e-12));
    return worst;
}

} // namespace

class TestScores : public QObject {
    Q_OBJECT
private:
    RunResultPtr demo;

    const FeatureSet& set(std::size_t i) const { return *demo->features[i]; }
    const Head& head() const { return demo->head; }

private Q_SLOTS:
    void initTestCase()
    {
        initRuntime(0);
        RunConfig c = demoConfig();
        c.methods = {"msp"};
        demo = runOnce(c);
        QVERIFY(demo->datasets[0].ok());
        QVERIFY(demo->datasets[1].ok());
        QCOMPARE(set(0).rows, std::size_t(2000));
        QCOMPARE(head().classes, 10);
        QCOMPARE(head().dim, 128);
    }

    void closedFormMatchesAutograd_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<int>("dataset");
        QTest::addColumn<double>("temperature");
        for (const char* m : {"gradnorm", "exgrad"})
            for (int d : {0, 1})
                for (double t : {1.0, 2.5}) {
                    const QByteArray name = QByteArray(m) + (d ? " ood" : " id") + " T=" + QByteArray::number(t);
                    QTest::newRow(name.constData()) << QString::fromLatin1(m) << d << t;
                }
    }
    void closedFormMatchesAutograd()
    {
        QFETCH(QString, method);
        QFETCH(int, dataset);
        QFETCH(double, temperature);
        ScoreParams p;
        p.set("T", temperature);
        const std::string id = method.toStdString();
        const auto closed = computeScores(id, set(dataset), head(), p);
        const auto exact = computeScores(id + "_autograd", set(dataset), head(), p);
        QCOMPARE(closed.size(), set(dataset).rows);
        QCOMPARE(exact.size(), closed.size());
        const double err = maxRelativeError(closed, exact);
        QVERIFY2(err < 1e-4, qPrintable(QStringLiteral("max relative error %1").arg(err)));
        // Guard against a vacuous pass: the scores must actually vary between images.
        const auto [lo, hi] = std::minmax_element(closed.begin(), closed.end());
        QVERIFY(*hi > 2 * *lo);
    }

    void gradnormIsL1TimesGradtermOverT()
    {
        ScoreParams p;
        p.set("T", 3.0);
        const auto g = computeScores("gradnorm", set(1), head(), p);
        const auto l1 = computeScores("feature_l1", set(1), head(), p);
        const auto o = computeScores("gradterm", set(1), head(), p);
        const auto fam = computeScores("l1_x_gradterm", set(1), head(), p);
        for (std::size_t i = 0; i < g.size(); ++i) {
            QVERIFY(std::abs(g[i] - l1[i] * o[i] / 3.0) <= 1e-12 * std::abs(g[i]));
            QVERIFY(std::abs(fam[i] - 3.0 * g[i]) <= 1e-12 * std::abs(fam[i]));
        }
    }

    void decompositionFactorsMultiplyToScore()
    {
        ScoreParams p;
        p.set("T", 1.7);
        for (const char* m : {"gradnorm", "exgrad", "l1_x_msp", "l2_x_energy", "l2_x_gini", "l1_x_maxlogit"}) {
            const auto s = computeScores(m, set(0), head(), p);
            for (std::size_t r : {std::size_t(0), std::size_t(17), std::size_t(1999)}) {
                const Decomposition d = decompose(m, set(0), head(), p, r);
                QVERIFY2(std::abs(d.featureTerm * d.outputTerm - s[r]) <= 1e-12 * std::abs(s[r]) + 1e-15, m);
            }
        }
    }

    void outputTermsFromDefinitions()
    {
        // One row by hand: z from the features and the head, then each definition in long double.
        const FeatureSet& f = set(0);
        const std::size_t r = 5;
        std::vector<long double> z(head().classes);
        for (int c = 0; c < head().classes; ++c) {
            long double acc = head().bias[c];
            for (int k = 0; k < head().dim; ++k)
                acc += static_cast<long double>(head().weight[c * head().dim + k]) * f.featureRow(r)[k];
            z[c] = acc;
        }
        long double sum = 0, zmax = z[0];
        for (long double v : z)
            zmax = std::max(zmax, v);
        for (long double v : z)
            sum += std::exp(v);
        ScoreParams p;
        const double msp = computeScores("msp", f, head(), p)[r];
        const double energy = computeScores("energy", f, head(), p)[r];
        const double maxlogit = computeScores("maxlogit", f, head(), p)[r];
        QVERIFY(std::abs(msp - double(std::exp(zmax) / sum)) < 1e-5);
        QVERIFY(std::abs(energy - double(std::log(sum))) < 1e-4 * std::abs(energy));
        QVERIFY(std::abs(maxlogit - double(zmax)) < 1e-4 * std::abs(maxlogit));
    }

    void everyRegisteredMethodIsImplemented()
    {
        ScoreParams p;
        for (const MethodInfo& m : methodRegistry()) {
            if (m.has(NeedsAutograd) || m.has(NeedsFitSet) || m.has(NeedsImages))
                continue; // covered above and slow / need a fit (test_fitted, crosscheck_fitted)
            const auto s = computeScores(m.id, set(0), head(), p);
            QCOMPARE(s.size(), set(0).rows);
            QVERIFY2(std::all_of(s.begin(), s.end(), [](double v) { return std::isfinite(v); }), m.id.c_str());
        }
    }

    void parameterResolution()
    {
        ScoreParams p;
        p.parseAssignment("T=2");
        p.parseAssignment("gradnorm.T=5");
        QCOMPARE(p.resolve("gradnorm").get("T"), 5.0);
        QCOMPARE(p.resolve("energy").get("T"), 2.0);
        QVERIFY_THROWS_EXCEPTION(Error, p.resolve("energy").get("k")); // energy has no k
        QVERIFY(p.resolve("maxlogit").values().empty());
        // A method-qualified name must be one of the method's parameters; values must lie in range.
        QVERIFY_THROWS_EXCEPTION(Error, p.parseAssignment("energy.k=3"));
        ScoreParams range;
        range.parseAssignment("knn.k=0");
        QVERIFY_THROWS_EXCEPTION(Error, range.resolve("knn"));
        range.parseAssignment("knn.k=2.5");
        QVERIFY_THROWS_EXCEPTION(Error, range.resolve("knn"));
        range.parseAssignment("knn.k=3");
        QCOMPARE(range.resolve("knn").get("k"), 3.0);
        QVERIFY_THROWS_EXCEPTION(Error, p.parseAssignment("T"));
        QVERIFY_THROWS_EXCEPTION(Error, p.parseAssignment("T=abc"));
        QVERIFY_THROWS_EXCEPTION(Error, p.parseAssignment("nosuch.T=2"));
        ScoreParams bad;
        bad.set("T", 0);
        QVERIFY_THROWS_EXCEPTION(Error, computeScores("energy", set(0), head(), bad));
    }

    void methodListParsing()
    {
        QCOMPARE(parseMethodList("msp,energy,msp"), (std::vector<std::string>{"msp", "energy"}));
        QCOMPARE(parseMethodList("").size(), methodRegistry().size());
        QVERIFY_THROWS_EXCEPTION(Error, parseMethodList("msp,nosuch"));
    }
};

QTEST_GUILESS_MAIN(TestScores)
#include "test_scores.moc"
