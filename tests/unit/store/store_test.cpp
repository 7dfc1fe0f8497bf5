// OpenStore: the data directory as a whole.

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store.h"
#include "temp_dir.h"

namespace strata::store {
namespace {

using ::testing::HasSubstr;

class StoreTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
};

TEST_F(StoreTest, CreatesCatalogAndObjectsAndReopens) {
  const auto data = dir_ / "nested" / "data";
  {
    auto store = OpenStore(data);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ(store->data_dir, data);
    EXPECT_TRUE(std::filesystem::is_regular_file(data / "catalog.db"));
    EXPECT_TRUE(std::filesystem::is_directory(data / "objects"));
    EXPECT_EQ(*SchemaVersion(*store->catalog), static_cast<int>(CatalogMigrations().size()));
    ASSERT_TRUE(store->catalog
                    ->Execute("INSERT INTO jobs (id, name, type, status, created_at) "
                              "VALUES ('1', 'j', 'training', 'queued', 0)")
                    .ok());
    ASSERT_TRUE(store->objects->Put("jobs/1/log.txt", "hello").ok());
    EXPECT_EQ(*store->objects->LocalPath("jobs/1/log.txt"), data / "objects" / "jobs/1/log.txt");
  }
  auto again = OpenStore(data);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again->catalog->Query("SELECT name FROM jobs"))[0].Text("name"), "j");
  EXPECT_EQ(*again->objects->Get("jobs/1/log.txt"), "hello");
  // No write probe or other litter left behind.
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(data)) {
    names.push_back(e.path().filename());
  }
  std::sort(names.begin(), names.end());
  EXPECT_THAT(names,
              ::testing::IsSubsetOf({"catalog.db", "catalog.db-shm", "catalog.db-wal", "objects"}));
}

TEST_F(StoreTest, RelativeDataDirBecomesAbsolute) {
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir_.path());
  auto store = OpenStore("rel/./data");
  std::filesystem::current_path(cwd);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(store->data_dir, dir_.path() / "rel" / "data");
}

TEST_F(StoreTest, DataDirUnderAFileIsAClearError) {
  ASSERT_TRUE(core::WriteFileAtomic(dir_ / "plain", "x").ok());
  for (const auto& path : {dir_ / "plain", dir_ / "plain" / "data"}) {
    auto store = OpenStore(path);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(store.status().message(),
                HasSubstr("data directory '" + path.string() + "' cannot be created"));
  }
}

TEST_F(StoreTest, ReadOnlyDataDirIsAClearError) {
  const auto data = dir_ / "readonly";
  std::filesystem::create_directories(data);
  ASSERT_EQ(::chmod(data.c_str(), 0555), 0);
  auto check = [&]() -> bool {
    auto store = OpenStore(data);
    return !store.ok() && store.status().code() == ErrorCode::kInvalidArgument &&
           store.status().message().find("data directory '" + data.string() +
                                         "' is not writable") != std::string::npos;
  };
  if (::geteuid() != 0) {
    EXPECT_TRUE(check());
    return;
  }
  // root writes anywhere: check as an unprivileged user, in a child process.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    ::_exit(check() ? 0 : 1);
  }
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus));
  if (WEXITSTATUS(wstatus) == 2) GTEST_SKIP() << "cannot drop privileges here";
  EXPECT_EQ(WEXITSTATUS(wstatus), 0) << "OpenStore on a read-only directory did not say so";
}

}  // namespace
}  // namespace strata::store
