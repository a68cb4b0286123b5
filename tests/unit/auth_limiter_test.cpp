// The login lockout and the per-key token bucket, on a clock the test moves.
#include "auth/limiter.h"

#include <gtest/gtest.h>

using namespace lokal::auth;
using namespace std::chrono_literals;

TEST(AuthLimiter, LockoutAfterTheLimitUntilTheWindowPasses) {
    failure_limiter l(3, 60s);
    const auto t0 = clock::time_point{} + 1h;
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(l.retry_after("bob\n1.2.3.4", t0), 0);
        l.failed("bob\n1.2.3.4", t0);
    }
    EXPECT_EQ(l.retry_after("bob\n1.2.3.4", t0 + 10s), 50);
    EXPECT_EQ(l.retry_after("bob\n5.6.7.8", t0 + 10s), 0);  // another address
    EXPECT_EQ(l.retry_after("bob\n1.2.3.4", t0 + 60s), 0);
}

TEST(AuthLimiter, SuccessForgetsFailures) {
    failure_limiter l(2, 60s);
    const auto t0 = clock::time_point{} + 1h;
    l.failed("k", t0);
    l.succeeded("k");
    l.failed("k", t0);
    EXPECT_EQ(l.retry_after("k", t0), 0);
}

TEST(AuthLimiter, TokenBucketAllowsTheRateAndSaysWhenToRetry) {
    rate_limiter r(60);  // one a second, bursts of 60
    const auto t0 = clock::time_point{} + 1h;
    for (int i = 0; i < 60; ++i) EXPECT_EQ(r.take("k1", t0), 0) << i;
    EXPECT_EQ(r.take("k1", t0), 1);
    EXPECT_EQ(r.take("k2", t0), 0);  // keys are limited apart
    EXPECT_EQ(r.take("k1", t0 + 1s), 0);
    EXPECT_EQ(r.take("k1", t0 + 1s), 1);
    EXPECT_EQ(r.take("k1", t0 + 30s), 0);
}

TEST(AuthLimiter, ZeroMeansNoLimit) {
    rate_limiter r(0);
    EXPECT_FALSE(r.enabled());
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(r.take("k"), 0);
}
