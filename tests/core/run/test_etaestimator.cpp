// SPDX-License-Identifier: GPL-3.0-or-later
// Time-left estimates per stage.
#include "run/EtaEstimator.h"

#include "TestSupport.h"

using namespace oodlens;

TEST(EtaEstimator, unknownUntilWorkIsSeen)
{
    EtaEstimator eta;
    ASSERT_TRUE(eta.secondsLeft() < 0);
    eta.update("extracting id", 0, 2000, 0.0);
    ASSERT_TRUE(eta.secondsLeft() < 0);
    eta.update("extracting id", 128, 2000, 0.05); // too early to trust
    ASSERT_TRUE(eta.secondsLeft() < 0);
}

TEST(EtaEstimator, extrapolatesTheStageRate)
{
    EtaEstimator eta;
    eta.update("extracting id", 0, 2000, 10.0);
    eta.update("extracting id", 500, 2000, 11.0); // 500 per second
    ASSERT_FUZZY_EQ(eta.secondsLeft(), 3.0);
    eta.update("extracting id", 2000, 2000, 14.0);
    ASSERT_FUZZY_EQ(eta.secondsLeft(), 0.0);
}

TEST(EtaEstimator, newStageRestartsTheEstimate)
{
    EtaEstimator eta;
    eta.update("extracting id", 0, 100, 0.0);
    eta.update("extracting id", 50, 100, 1.0);
    ASSERT_FUZZY_EQ(eta.secondsLeft(), 1.0);
    eta.update("extracting ood", 0, 1000, 1.0);
    ASSERT_TRUE(eta.secondsLeft() < 0);
    eta.update("extracting ood", 100, 1000, 2.0);
    ASSERT_FUZZY_EQ(eta.secondsLeft(), 9.0);
}

struct FormatRow {
    const char* tag;
    double seconds;
    std::string text;
};

void PrintTo(const FormatRow& r, std::ostream* os)
{
    *os << r.tag;
}

class EtaFormat : public ::testing::TestWithParam<FormatRow> {};

TEST_P(EtaFormat, formatsSecondsAndMinutes)
{
    const FormatRow& row = GetParam();
    ASSERT_EQ(EtaEstimator::format(row.seconds), row.text);
}

INSTANTIATE_TEST_SUITE_P(EtaEstimator, EtaFormat,
                         ::testing::Values(FormatRow{"unknown", -1.0, ""},
                                           FormatRow{"subsecond", 0.4, "less than a second left"},
                                           FormatRow{"seconds", 12.4, "about 12 s left"},
                                           FormatRow{"minutes", 185.0, "about 3 min left"}),
                         [](const auto& info) { return oodlens::test::paramName(info.param.tag); });
