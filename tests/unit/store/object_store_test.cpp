// LocalObjectStore: every method, atomicity, temporaries, and keys that try to escape.

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store.h"
#include "temp_dir.h"

namespace strata::store {
namespace {

using ::testing::HasSubstr;

class ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LocalObjectStore::Open(dir_ / "objects");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    objects_ = std::move(*s);
  }
  std::vector<std::string> Keys(std::string_view prefix) {
    auto list = objects_->List(prefix);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    std::vector<std::string> keys;
    if (list.ok()) {
      for (const auto& info : *list) keys.push_back(info.key);
    }
    return keys;
  }
  // Every file under the root, temporaries included, as relative paths.
  std::vector<std::string> Files() {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(objects_->root())) {
      if (e.is_regular_file()) out.push_back(std::filesystem::relative(e.path(), objects_->root()));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<LocalObjectStore> objects_;
};

TEST_F(ObjectStoreTest, PutGetOverwriteAndEmpty) {
  ASSERT_TRUE(objects_->Put("models/m/v1/model.json", "{\"a\":1}").ok());
  EXPECT_EQ(*objects_->Get("models/m/v1/model.json"), "{\"a\":1}");
  ASSERT_TRUE(objects_->Put("models/m/v1/model.json", "replaced").ok());
  EXPECT_EQ(*objects_->Get("models/m/v1/model.json"), "replaced");
  ASSERT_TRUE(objects_->Put("empty", "").ok());
  EXPECT_EQ(*objects_->Get("empty"), "");
  EXPECT_TRUE(objects_->Exists("empty"));
  const std::string binary("\0\x01\xff\n", 4);
  ASSERT_TRUE(objects_->Put("bin", binary).ok());
  EXPECT_EQ(*objects_->Get("bin"), binary);
  EXPECT_EQ(Files(), (std::vector<std::string>{"bin", "empty", "models/m/v1/model.json"}));
}

TEST_F(ObjectStoreTest, MissingObjectsAreNotFound) {
  ASSERT_TRUE(objects_->Put("dir/file", "x").ok());
  for (const char* key : {"nope", "dir", "dir/nope", "dir/file/below"}) {
    EXPECT_EQ(objects_->Get(key).status().code(), ErrorCode::kNotFound) << key;
    EXPECT_EQ(objects_->GetRange(key, 0, 10).status().code(), ErrorCode::kNotFound) << key;
    EXPECT_EQ(objects_->Size(key).status().code(), ErrorCode::kNotFound) << key;
    EXPECT_EQ(objects_->Delete(key).code(), ErrorCode::kNotFound) << key;
    EXPECT_FALSE(objects_->Exists(key)) << key;
  }
  EXPECT_EQ(objects_->Get("nope").status().message(), "object 'nope' does not exist");
}

TEST_F(ObjectStoreTest, GetRangeAndSize) {
  ASSERT_TRUE(objects_->Put("col.bin", "0123456789").ok());
  EXPECT_EQ(*objects_->Size("col.bin"), 10u);
  EXPECT_EQ(*objects_->GetRange("col.bin", 0, 10), "0123456789");
  EXPECT_EQ(*objects_->GetRange("col.bin", 3, 4), "3456");
  EXPECT_EQ(*objects_->GetRange("col.bin", 8, 100), "89");
  EXPECT_EQ(*objects_->GetRange("col.bin", 3, 0), "");
  EXPECT_EQ(*objects_->GetRange("col.bin", 10, 5), "");
  EXPECT_EQ(*objects_->GetRange("col.bin", UINT64_MAX, UINT64_MAX), "");
  EXPECT_EQ(*objects_->GetRange("col.bin", 9, UINT64_MAX), "9");
}

TEST_F(ObjectStoreTest, AppendCreatesAndGrowsAndCanBeTailed) {
  const std::string key = "jobs/j1/log.txt";
  ASSERT_TRUE(objects_->Append(key, "line 1\n").ok());
  ASSERT_TRUE(objects_->Append(key, "line 2\n").ok());
  EXPECT_EQ(*objects_->Get(key), "line 1\nline 2\n");
  uint64_t offset = *objects_->Size(key);

  // A worker process appends through the file LocalPath names.
  auto path = objects_->LocalPath(key);
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(*path, objects_->root() / "jobs/j1/log.txt");
  int fd = ::open(path->c_str(), O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "line 3\n", 7), 7);
  ::close(fd);

  EXPECT_EQ(*objects_->GetRange(key, offset, 1 << 20), "line 3\n");  // the tail
  EXPECT_EQ(*objects_->Size(key), offset + 7);
}

TEST_F(ObjectStoreTest, ConcurrentAppendsKeepLinesWhole) {
  const std::string key = "jobs/j2/log.txt";
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const std::string line = std::string(200, static_cast<char>('a' + t)) + "\n";
      for (int i = 0; i < 100; ++i) ASSERT_TRUE(objects_->Append(key, line).ok());
    });
  }
  for (auto& t : threads) t.join();
  std::string log = *objects_->Get(key);
  ASSERT_EQ(log.size(), 4u * 100 * 201);
  for (size_t at = 0; at < log.size(); at += 201) {
    ASSERT_EQ(log.find_first_not_of(log[at], at), at + 200) << "torn line at " << at;
  }
}

TEST_F(ObjectStoreTest, ListIsSortedFilteredAndSkipsTemporaries) {
  for (const char* key : {"models/m/v1/model.json", "datasets/iris/v1/schema.json",
                          "datasets/iris/v1/col_0.bin", "datasets/iris2/v1/schema.json", "top"}) {
    ASSERT_TRUE(objects_->Put(key, key).ok());
  }
  auto writer = objects_->NewWriter("datasets/iris/v2/schema.json");  // in progress
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Write("partial").ok());
  // Leftovers of a crash, and a file put there by hand that no key can name.
  ASSERT_TRUE(core::WriteFileAtomic(objects_->root() / "datasets/iris/v1/.tmp-x-123", "t").ok());
  std::filesystem::create_directories(objects_->root() / ".trash/a");
  ASSERT_TRUE(core::WriteFileAtomic(objects_->root() / ".trash/a/b", "t").ok());
  ASSERT_TRUE(core::WriteFileAtomic(objects_->root() / "datasets/has space", "t").ok());

  EXPECT_EQ(Keys(""), (std::vector<std::string>{
                          "datasets/iris/v1/col_0.bin", "datasets/iris/v1/schema.json",
                          "datasets/iris2/v1/schema.json", "models/m/v1/model.json", "top"}));
  EXPECT_EQ(Keys("datasets/iris/"), (std::vector<std::string>{"datasets/iris/v1/col_0.bin",
                                                              "datasets/iris/v1/schema.json"}));
  EXPECT_EQ(Keys("datasets/iris"),  // a plain string prefix
            (std::vector<std::string>{"datasets/iris/v1/col_0.bin", "datasets/iris/v1/schema.json",
                                      "datasets/iris2/v1/schema.json"}));
  EXPECT_EQ(Keys("datasets/iris/v1/s"), (std::vector<std::string>{"datasets/iris/v1/schema.json"}));
  EXPECT_EQ(Keys("top"), (std::vector<std::string>{"top"}));
  EXPECT_TRUE(Keys("nothing/here/").empty());
  EXPECT_TRUE(Keys("datasets/iris/v2/").empty());

  auto list = objects_->List("datasets/iris/v1/c");
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].size, std::string("datasets/iris/v1/col_0.bin").size());
  const int64_t now_ms = core::ToUnixMillis(core::SystemClock().Now());
  EXPECT_NEAR(static_cast<double>((*list)[0].modified_ms), static_cast<double>(now_ms), 60000.0);

  EXPECT_EQ(objects_->List("../").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(objects_->List("/").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(objects_->List("a//").status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ObjectStoreTest, DeleteAndDeletePrefix) {
  for (const char* key : {"datasets/iris/v1/a", "datasets/iris/v1/b", "datasets/iris/v2/a",
                          "datasets/iris2/v1/a", "datasets/single"}) {
    ASSERT_TRUE(objects_->Put(key, "x").ok());
  }
  ASSERT_TRUE(objects_->Delete("datasets/iris/v1/b").ok());
  EXPECT_FALSE(objects_->Exists("datasets/iris/v1/b"));
  EXPECT_EQ(objects_->Delete("datasets/iris/v1/b").code(), ErrorCode::kNotFound);
  EXPECT_EQ(objects_->Delete("datasets/iris").code(), ErrorCode::kNotFound);  // not an object

  ASSERT_TRUE(objects_->DeletePrefix("datasets/iris/v1/").ok());  // trailing '/' allowed
  EXPECT_EQ(
      Keys("datasets/"),
      (std::vector<std::string>{"datasets/iris/v2/a", "datasets/iris2/v1/a", "datasets/single"}));
  ASSERT_TRUE(objects_->DeletePrefix("datasets/iris").ok());  // whole segments only
  EXPECT_EQ(Keys("datasets/"),
            (std::vector<std::string>{"datasets/iris2/v1/a", "datasets/single"}));
  ASSERT_TRUE(objects_->DeletePrefix("datasets/single").ok());  // a single object
  ASSERT_TRUE(objects_->DeletePrefix("datasets/nothing").ok());
  ASSERT_TRUE(objects_->DeletePrefix("datasets/iris2/v1/a/below").ok());  // under a file
  EXPECT_EQ(Keys(""), (std::vector<std::string>{"datasets/iris2/v1/a"}));

  Status everything = objects_->DeletePrefix("");
  EXPECT_EQ(everything.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(everything.message(), HasSubstr("whole store"));
  EXPECT_EQ(objects_->DeletePrefix("/").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Keys(""), (std::vector<std::string>{"datasets/iris2/v1/a"}));
}

TEST_F(ObjectStoreTest, AbandonedWriterLeavesTheOldObjectAndNoTrace) {
  ASSERT_TRUE(objects_->Put("big", "old").ok());
  {
    auto w = objects_->NewWriter("big");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write("new part 1, ").ok());
    EXPECT_EQ(*objects_->Get("big"), "old");  // not visible before Commit
    EXPECT_EQ(Files().size(), 2u);            // the object and the writer's temporary
    EXPECT_EQ(Keys(""), (std::vector<std::string>{"big"}));
  }  // dropped without Commit
  EXPECT_EQ(*objects_->Get("big"), "old");
  EXPECT_EQ(Files(), (std::vector<std::string>{"big"}));

  {
    auto w = objects_->NewWriter("fresh/new");
    ASSERT_TRUE((*w)->Write("x").ok());
  }
  EXPECT_FALSE(objects_->Exists("fresh/new"));
  EXPECT_EQ(Files(), (std::vector<std::string>{"big"}));
}

TEST_F(ObjectStoreTest, CommittedWriterReplacesWhole) {
  ASSERT_TRUE(objects_->Put("big", "old").ok());
  auto w = objects_->NewWriter("big");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Write("new ").ok());
  ASSERT_TRUE((*w)->Write("whole").ok());
  EXPECT_EQ((*w)->bytes_written(), 9u);
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ(*objects_->Get("big"), "new whole");
  EXPECT_EQ(Files(), (std::vector<std::string>{"big"}));
  EXPECT_EQ((*w)->Write("more").code(), ErrorCode::kInternal);
  EXPECT_EQ((*w)->Commit().code(), ErrorCode::kInternal);
  EXPECT_EQ(*objects_->Get("big"), "new whole");
}

TEST_F(ObjectStoreTest, ConcurrentPutsAreSeenWhole) {
  const std::string a(1 << 20, 'a'), b(1 << 20, 'b');
  ASSERT_TRUE(objects_->Put("k", a).ok());
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(objects_->Put("k", i % 2 ? a : b).ok());
    done = true;
  });
  int reads = 0;
  while (!done) {
    auto got = objects_->Get("k");
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(*got == a || *got == b) << "a torn read of " << got->size() << " bytes";
    ++reads;
  }
  writer.join();
  EXPECT_GT(reads, 0);
  EXPECT_EQ(Files(), (std::vector<std::string>{"k"}));
}

TEST_F(ObjectStoreTest, AnObjectCannotAlsoBeADirectory) {
  ASSERT_TRUE(objects_->Put("a", "file").ok());
  Status under = objects_->Put("a/b", "x");
  EXPECT_EQ(under.code(), ErrorCode::kConflict) << under.ToString();
  EXPECT_THAT(under.message(), HasSubstr("'a' is an object"));
  EXPECT_EQ(objects_->Append("a/b", "x").code(), ErrorCode::kConflict);
  EXPECT_EQ(objects_->NewWriter("a/b/c").status().code(), ErrorCode::kConflict);

  ASSERT_TRUE(objects_->Put("d/e", "x").ok());
  Status over = objects_->Put("d", "x");
  EXPECT_EQ(over.code(), ErrorCode::kConflict) << over.ToString();
  EXPECT_THAT(over.message(), HasSubstr("other objects exist under 'd/'"));
  auto w = objects_->NewWriter("d");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->Commit().code(), ErrorCode::kConflict);
  EXPECT_EQ(objects_->Append("d", "x").code(), ErrorCode::kConflict);
  EXPECT_EQ(*objects_->Get("a"), "file");
  EXPECT_EQ(*objects_->Get("d/e"), "x");
}

TEST_F(ObjectStoreTest, BadKeysAreRefusedByEveryMethod) {
  const std::string nul_key("a\0b", 3);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"../x", "'.' and '..'"},
      {"a/../../x", "'.' and '..'"},
      {"a/..", "'.' and '..'"},
      {"./a", "'.' and '..'"},
      {"a/./b", "'.' and '..'"},
      {"/etc/passwd", "relative"},
      {nul_key, "'\\x00' is not allowed"},
      {"a//b", "empty path segment"},
      {"a/b/", "empty path segment"},
      {"", "empty"},
      {".hidden", "must start with a letter, a digit or '_'"},
      {"a/.tmp-x", "must start with"},
      {"-dash", "must start with"},
      {"a\\b", "'\\' is not allowed"},
      {"..\\x", "is not allowed"},
      {"tab\there", "'\\x09' is not allowed"},
      {"new\nline", "'\\x0a' is not allowed"},
      {"sp ace", "' ' is not allowed"},
      {"caf\xc3\xa9", "'\\xc3' is not allowed"},
      {"a*b", "'*' is not allowed"},
      {std::string(1025, 'a'), "longer than 1024 bytes"},
  };
  for (const auto& [key, why] : cases) {
    SCOPED_TRACE("key: " + key);
    Status s = ValidateObjectKey(key);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(s.message(), HasSubstr("is not valid"));
    EXPECT_THAT(s.message(), HasSubstr(why));
    EXPECT_EQ(objects_->Put(key, "x").code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(objects_->NewWriter(key).status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(objects_->Get(key).status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(objects_->GetRange(key, 0, 1).status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(objects_->Size(key).status().code(), ErrorCode::kInvalidArgument);
    EXPECT_FALSE(objects_->Exists(key));
    EXPECT_EQ(objects_->Append(key, "x").code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(objects_->Delete(key).code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(objects_->LocalPath(key).status().code(), ErrorCode::kInvalidArgument);
    // Prefixes may be empty (List only) or end in one '/'.
    if (key != "a/b/") {
      EXPECT_EQ(objects_->DeletePrefix(key).code(), ErrorCode::kInvalidArgument);
      if (!key.empty()) {
        EXPECT_EQ(objects_->List(key).status().code(), ErrorCode::kInvalidArgument);
      }
    }
  }
  // The key in the message is escaped: a NUL cannot cut it, a newline cannot forge a line.
  EXPECT_THAT(ValidateObjectKey(nul_key).message(), HasSubstr("'a\\x00b'"));
  EXPECT_THAT(ValidateObjectKey("new\nline").message(), HasSubstr("'new\\x0aline'"));
  // Nothing was written anywhere.
  EXPECT_TRUE(Files().empty());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_.path()),
                          std::filesystem::directory_iterator()),
            1);  // just objects/
}

TEST_F(ObjectStoreTest, GoodKeysResolveUnderTheRoot) {
  std::string longest(1024, 'a');  // segments of at most 200 bytes
  for (size_t at : {100, 300, 500, 700, 900}) longest[at] = '/';
  for (const std::string& key :
       std::vector<std::string>{"a", "datasets/iris/v1/col_0.bin", "x=1/y@2/z+3", "_tmp/a-b.c",
                                "a.b/c../d..", "A/9/_", "a...", longest}) {
    SCOPED_TRACE("key: " + key);
    EXPECT_TRUE(ValidateObjectKey(key).ok()) << ValidateObjectKey(key).ToString();
    auto path = objects_->LocalPath(key);
    ASSERT_TRUE(path.ok()) << path.status().ToString();
    auto resolved = std::filesystem::weakly_canonical(*path);
    auto root = std::filesystem::canonical(objects_->root());
    EXPECT_EQ(resolved.string().rfind(root.string() + "/", 0), 0u) << resolved;
    EXPECT_EQ(std::filesystem::relative(resolved, root).string(), key);
    ASSERT_TRUE(objects_->Put(key, "ok").ok());
    EXPECT_EQ(*objects_->Get(key), "ok");
    EXPECT_EQ(Keys(key), std::vector<std::string>{key});
    ASSERT_TRUE(objects_->Delete(key).ok());
  }
}

TEST_F(ObjectStoreTest, LocalSegmentLengthLimit) {
  const std::string long_segment(201, 'a');
  EXPECT_TRUE(ValidateObjectKey(long_segment).ok());  // fine for other backends
  Status s = objects_->Put(long_segment, "x");
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("longer than 200 bytes"));
  ASSERT_TRUE(objects_->Put(std::string(200, 'a'), "x").ok());
}

}  // namespace
}  // namespace strata::store
