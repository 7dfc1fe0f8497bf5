#include "serve/micro_batcher.h"

#include <atomic>
#include <barrier>
#include <thread>

#include <fmt/format.h>

#include <gtest/gtest.h>

namespace strata::serve {
namespace {

// A fake model: one value per row, the row's "x" times 10; a row {"bad": true} fails.
Result<Predictions> Fake(const Json& rows, std::atomic<int>* calls, std::atomic<size_t>* max_batch) {
  ++*calls;
  size_t prev = max_batch->load();
  while (rows.size() > prev && !max_batch->compare_exchange_weak(prev, rows.size())) {
  }
  Predictions p;
  p.rows = rows.size();
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].contains("bad")) return InvalidArgumentError(fmt::format("row {}: bad", i));
    p.values.push_back(rows[i]["x"].get<float>() * 10);
  }
  std::this_thread::sleep_for(std::chrono::microseconds(300));  // a model that takes time
  return p;
}

TEST(MicroBatcher, ALoneRequestRunsAtOnce) {
  std::atomic<int> calls{0};
  std::atomic<size_t> max_batch{0};
  // An hour of delay: if a lone request waited for it, the test would time out.
  MicroBatcher b([&](const Json& r) { return Fake(r, &calls, &max_batch); }, {std::chrono::hours(1), 64});
  auto t = b.Arrive();
  auto r = b.Predict(t, Json::array({{{"x", 2}}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->predictions.values, std::vector<float>{20});
}

TEST(MicroBatcher, ConcurrentRequestsShareBatchesAndGetTheirOwnRows) {
  std::atomic<int> calls{0};
  std::atomic<size_t> max_batch{0};
  // No deadline: the leader closes the batch when every request that arrived has joined.
  MicroBatcher b([&](const Json& r) { return Fake(r, &calls, &max_batch); },
                 {std::chrono::hours(1), 256});
  // In each round every thread arrives before any predicts (the barrier), so each round
  // is exactly one batch of all threads' rows however the threads are scheduled.
  constexpr int kThreads = 8, kRounds = 20;
  std::barrier all_arrived(kThreads);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        const int x = t * 1000 + i;
        auto ticket = b.Arrive();
        all_arrived.arrive_and_wait();
        auto r = b.Predict(ticket, Json::array({{{"x", x}}, {{"x", x + 1}}}));
        if (!r.ok() || r->predictions.values != std::vector<float>{x * 10.f, (x + 1) * 10.f}) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(max_batch.load(), 2u * kThreads);
  EXPECT_EQ(calls.load(), kRounds);
}

TEST(MicroBatcher, OneBadRequestDoesNotFailTheOthers) {
  std::atomic<int> calls{0};
  std::atomic<size_t> max_batch{0};
  MicroBatcher b([&](const Json& r) { return Fake(r, &calls, &max_batch); },
                 {std::chrono::milliseconds(50), 256});
  std::atomic<int> good_ok{0}, bad_failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        auto ticket = b.Arrive();
        const bool bad = t == 0;
        auto r = b.Predict(ticket, bad ? Json::array({{{"bad", true}}}) : Json::array({{{"x", 1}}}));
        if (bad && !r.ok()) ++bad_failed;
        if (!bad && r.ok() && r->predictions.values == std::vector<float>{10}) ++good_ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad_failed.load(), 20);
  EXPECT_EQ(good_ok.load(), 100);
}

TEST(MicroBatcher, AWithdrawnTicketDoesNotHoldTheBatch) {
  std::atomic<int> calls{0};
  std::atomic<size_t> max_batch{0};
  MicroBatcher b([&](const Json& r) { return Fake(r, &calls, &max_batch); }, {std::chrono::hours(1), 64});
  { auto abandoned = b.Arrive(); }  // e.g. a request whose body failed to parse
  auto t = b.Arrive();
  ASSERT_TRUE(b.Predict(t, Json::array({{{"x", 1}}})).ok());  // would wait an hour otherwise
}

TEST(MicroBatcher, RequestsGatheredByTheCallerRunTogetherInBatchesOfMaxRows) {
  std::atomic<int> calls{0};
  std::atomic<size_t> max_batch{0};
  // An hour of delay: PredictTogether never waits for it.
  MicroBatcher b([&](const Json& r) { return Fake(r, &calls, &max_batch); }, {std::chrono::hours(1), 4});
  std::vector<Json> rows;
  for (int i = 0; i < 5; ++i) rows.push_back(Json::array({{{"x", i}}, {{"x", 100 + i}}}));
  std::vector<const Json*> requests;
  for (const Json& r : rows) requests.push_back(&r);
  auto out = b.PredictTogether(requests);
  ASSERT_EQ(out.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(out[i].ok()) << out[i].status().ToString();
    EXPECT_EQ(out[i]->predictions.values, (std::vector<float>{i * 10.f, (100 + i) * 10.f}));
    EXPECT_EQ(out[i]->predictions.rows, 2u);
  }
  // Ten rows in batches of at most four: two requests per batch, then the fifth alone.
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(max_batch.load(), 4u);
  EXPECT_EQ(out[0]->batch_rows, 4u);
  EXPECT_EQ(out[4]->batch_rows, 2u);
}

TEST(MicroBatcher, ABadRequestGatheredWithOthersFailsAlone) {
  std::atomic<int> calls{0};
  std::atomic<size_t> max_batch{0};
  MicroBatcher b([&](const Json& r) { return Fake(r, &calls, &max_batch); }, {std::chrono::hours(1), 64});
  const Json good1 = Json::array({{{"x", 1}}}), bad = Json::array({{{"x", 2}}, {{"bad", true}}}),
             good2 = Json::array({{{"x", 3}}});
  auto out = b.PredictTogether({&good1, &bad, &good2});
  ASSERT_EQ(out.size(), 3u);
  ASSERT_TRUE(out[0].ok());
  EXPECT_EQ(out[0]->predictions.values, std::vector<float>{10});
  ASSERT_FALSE(out[1].ok());
  // The error names the row within the request that sent it, not within the batch.
  EXPECT_NE(out[1].status().message().find("row 1"), std::string::npos) << out[1].status().message();
  ASSERT_TRUE(out[2].ok());
  EXPECT_EQ(out[2]->predictions.values, std::vector<float>{30});
}

}  // namespace
}  // namespace strata::serve
