// Ids, clock, thread pool, progress bar and atomic files.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/files.h"
#include "core/ids.h"
#include "core/progress.h"
#include "core/thread_pool.h"

namespace strata::core {
namespace {

TEST(IdsTest, UniqueValidAndSortedByCreation) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5000; ++i) ids.push_back(NewId());
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  for (const auto& id : ids) ASSERT_TRUE(IsValidId(id)) << id;
  EXPECT_EQ(ids[0][14], '7');  // UUID version 7
  EXPECT_FALSE(IsValidId("not-an-id"));
}

TEST(IdsTest, NamesFollowTheApiPattern) {
  EXPECT_TRUE(IsValidName("iris"));
  EXPECT_TRUE(IsValidName("a.b_c-1"));
  EXPECT_FALSE(IsValidName(""));
  EXPECT_FALSE(IsValidName("-x"));
  EXPECT_FALSE(IsValidName("a/b"));
  EXPECT_FALSE(IsValidName(".."));
  EXPECT_FALSE(IsValidName(std::string(129, 'a')));
  EXPECT_TRUE(IsValidName(std::string(128, 'a')));
}

TEST(ClockTest, Rfc3339RoundTrip) {
  TimePoint t = FromUnixMillis(1795405787123);
  std::string s = FormatRfc3339(t);
  EXPECT_EQ(s, "2026-11-23T03:49:47.123Z");
  EXPECT_EQ(ToUnixMillis(*ParseRfc3339(s)), 1795405787123);
  EXPECT_EQ(ToUnixMillis(*ParseRfc3339("2026-11-23T05:49:47+02:00")), 1795405787000);
  EXPECT_FALSE(ParseRfc3339("2026-11-23 03:49:47").ok());
  EXPECT_FALSE(ParseRfc3339("2026-11-23T03:49:47").ok());
  EXPECT_FALSE(ParseRfc3339("2026-13-23T03:49:47Z").ok());
}

TEST(ClockTest, FakeClockMovesOnlyWhenTold) {
  FakeClock clock(FromUnixMillis(1000));
  EXPECT_EQ(ToUnixMillis(clock.Now()), 1000);
  clock.Advance(std::chrono::milliseconds(500));
  EXPECT_EQ(ToUnixMillis(clock.Now()), 1500);
}

TEST(ThreadPoolTest, RunsTasksAndReturnsResults) {
  ThreadPool pool(2);
  auto f = pool.Submit([] { return 6 * 7; });
  EXPECT_EQ(f.get(), 42);
  std::vector<int> out(1000);
  pool.ParallelFor(out.size(), [&](size_t i) { out[i] = static_cast<int>(i) * 2; });
  for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], static_cast<int>(i) * 2);
}

TEST(ThreadPoolTest, ParallelForDynamicRunsEachIndexOnceAndRethrows) {
  ThreadPool pool(2);
  std::vector<std::atomic<int>> runs(1000);
  pool.ParallelForDynamic(runs.size(), [&](size_t i) { ++runs[i]; });
  for (size_t i = 0; i < runs.size(); ++i) ASSERT_EQ(runs[i].load(), 1) << i;
  EXPECT_THROW(pool.ParallelForDynamic(100,
                                       [](size_t i) {
                                         if (i == 50) throw std::runtime_error("boom");
                                       }),
               std::runtime_error);
  int calls = 0;
  pool.ParallelForDynamic(1, [&](size_t) { ++calls; });  // the pool survived
  EXPECT_EQ(calls, 1);
}

TEST(ThreadPoolTest, ExceptionsReachTheCaller) {
  ThreadPool pool(1);
  auto f = pool.Submit([]() -> int { throw std::runtime_error("boom"); });
  EXPECT_THROW(f.get(), std::runtime_error);
  EXPECT_EQ(pool.Submit([] { return 1; }).get(), 1);  // the pool survived
}

TEST(ThreadPoolTest, DestructorDrainsQueue) {
  std::atomic<int> n{0};
  {
    ThreadPool pool(2);
    for (int i = 0; i < 100; ++i) (void)pool.Submit([&] { ++n; });
  }
  EXPECT_EQ(n.load(), 100);
}

TEST(ProgressBarTest, RendersBarPercentRateAndEta) {
  std::string line = ProgressBar::Render("importing", 50, 100, ProgressBar::Unit::kCount, 5.0, 80);
  EXPECT_NE(line.find("importing"), std::string::npos);
  EXPECT_NE(line.find(" 50%"), std::string::npos);
  EXPECT_NE(line.find("10/s"), std::string::npos);
  EXPECT_NE(line.find("ETA 5s"), std::string::npos);
  EXPECT_NE(line.find("[####"), std::string::npos);
  std::string bytes = ProgressBar::Render("up", 3e6, 0, ProgressBar::Unit::kBytes, 2.0, 80);
  EXPECT_NE(bytes.find("3.0 MB"), std::string::npos);
  EXPECT_NE(bytes.find("1.5 MB/s"), std::string::npos);
}

TEST(ProgressBarTest, SilentWhenNotATerminal) {
  FILE* f = tmpfile();
  {
    ProgressBar bar("x", 10, ProgressBar::Unit::kCount, f);
    EXPECT_FALSE(bar.enabled());
    bar.Update(5);
  }
  EXPECT_EQ(ftell(f), 0);
  fclose(f);
}

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("strata-files-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  size_t EntryCount() {
    return std::distance(std::filesystem::directory_iterator(dir_), std::filesystem::directory_iterator());
  }
  std::filesystem::path dir_;
};

TEST_F(FilesTest, AtomicWriteReplacesWholeFile) {
  auto p = dir_ / "a.txt";
  ASSERT_TRUE(WriteFileAtomic(p, "first").ok());
  ASSERT_TRUE(WriteFileAtomic(p, "second").ok());
  EXPECT_EQ(*ReadFile(p), "second");
  EXPECT_EQ(EntryCount(), 1u);  // no temporaries left behind
}

TEST_F(FilesTest, AbandonedWriterLeavesTargetUntouched) {
  auto p = dir_ / "b.txt";
  ASSERT_TRUE(WriteFileAtomic(p, "old").ok());
  {
    AtomicFileWriter w(p);
    ASSERT_TRUE(w.Open().ok());
    ASSERT_TRUE(w.Write("half of the new").ok());
  }
  EXPECT_EQ(*ReadFile(p), "old");
  EXPECT_EQ(EntryCount(), 1u);
}

TEST_F(FilesTest, BareFileNameWritesIntoTheWorkingDirectory) {
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir_);
  Status s = WriteFileAtomic("bare.txt", "here");
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(*ReadFile(dir_ / "bare.txt"), "here");
}

TEST_F(FilesTest, ReadMissingIsNotFound) {
  EXPECT_EQ(ReadFile(dir_ / "nope").status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace strata::core
