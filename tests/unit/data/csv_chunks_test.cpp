// The parallel import cuts a CSV into chunks at guessed line starts. Imports with
// chunks of a few bytes put a boundary at every position of these files (inside
// quoted fields with newlines, on a quote, between \r and \n, inside the BOM's
// record) and must give what one chunk gives: same rows, types, errors and counts.

#include "data/csv_chunks.h"

#include <cmath>

#include <fmt/format.h>

#include "data/importer.h"
#include "data/table.h"
#include "data_test_util.h"

namespace strata::data {
namespace {

class ChunkedImportTest : public DataTest {
 protected:
  // The import's summary and rows as JSON (or its error), with chunks of `chunk` bytes.
  std::string Run(const std::string& path, size_t chunk, ImportOptions options = {}) {
    options.chunk_bytes = chunk;
    auto out = dir_ / fmt::format("t{}", ++n_);
    auto s = ImportFile(path, options, out);
    if (!s.ok()) return "error: " + s.status().message();
    auto t = Table::Open(out);
    if (!t.ok()) return "open: " + t.status().message();
    Json j = {{"schema", s->schema.ToJson()},
              {"rows", s->rows},
              {"skipped", s->skipped_rows},
              {"examples", s->skipped_examples},
              {"data", (*t)->RowsAsJson(0, 1000)}};
    return j.dump();
  }
  // Chunks of 1 byte guess a start at every line; the other sizes vary where
  // guesses fall and how far a worker may run past its chunk. All give what one
  // big chunk gives.
  void ExpectSameForEveryChunkSize(const std::string& content, ImportOptions options = {}) {
    auto path = Write("in.csv", content);
    const std::string want = Run(path, 1 << 30, options);
    for (size_t chunk : {1, 2, 3, 4, 5, 6, 7, 8, 13, 29}) {
      ASSERT_EQ(Run(path, chunk, options), want) << "chunk of " << chunk << " bytes";
      // Chunks parsed again in pass 2 rather than kept from pass 1: all, or past a
      // budget of a few hundred bytes.
      for (size_t kept : {size_t{0}, size_t{300}}) {
        ImportOptions reparsed = options;
        reparsed.max_kept_bytes = kept;
        ASSERT_EQ(Run(path, chunk, reparsed), want) << "chunk of " << chunk << " bytes, " << kept << " kept";
      }
    }
  }
  int n_ = 0;
};

TEST_F(ChunkedImportTest, NewlinesAndSeparatorsInsideQuotes) {
  const std::string csv =
      "id,note,n\n"
      "1,\"two\nlines, and a comma\",1.5\n"
      "2,\"\n\n\",2\n"
      "3,\"say \"\"hi\"\"\nthen\n\"\"bye\"\"\",3\n"
      "4,plain,4\n"
      "5,\"\"\"\n\"\"\",5\n";
  ExpectSameForEveryChunkSize(csv);
  // And the rows are the right ones, not only the same ones.
  auto path = Write("check.csv", csv);
  Json got = Json::parse(Run(path, 3));
  EXPECT_EQ(got["rows"], 5);
  EXPECT_EQ(got["data"][0]["note"], "two\nlines, and a comma");
  EXPECT_EQ(got["data"][1]["note"], "\n\n");
  EXPECT_EQ(got["data"][2]["note"], "say \"hi\"\nthen\n\"bye\"");
  EXPECT_EQ(got["data"][4]["note"], "\"\n\"");
  EXPECT_EQ(got["data"][4]["n"], 5);
}

TEST_F(ChunkedImportTest, CrlfBomBlankLinesAndNoFinalNewline) {
  ExpectSameForEveryChunkSize("\xEF\xBB\xBFid,v\r\n1,\"a\r\nb\"\r\n\r\n2,c\r\n3,\"\"\r\n4,d");
  auto path = Write("crlf.csv", "\xEF\xBB\xBFid,v\r\n1,\"a\r\nb\"\r\n\r\n2,c\r\n");
  Json got = Json::parse(Run(path, 2));
  EXPECT_EQ(got["schema"][0]["name"], "id");
  EXPECT_EQ(got["data"][0]["v"], "a\r\nb");
  EXPECT_EQ(got["data"][1]["v"], "c");
}

TEST_F(ChunkedImportTest, LinesStartingWithAQuote) {
  // Every record starts with a quoted field, so many chunks start exactly on a quote,
  // and guessed starts inside the quoted newlines read the quotes inside out.
  std::string csv = "a,b\n";
  for (int i = 0; i < 30; ++i)
    csv += "\"x" + std::to_string(i) + "\n\",\"\n" + std::to_string(i) + "\"\n";
  ExpectSameForEveryChunkSize(csv);
}

TEST_F(ChunkedImportTest, ErrorsNameTheSameLineWhateverTheChunks) {
  ExpectSameForEveryChunkSize("a,b\n1,\"x\ny\"\n2,3\n4\n5,6\n");  // ragged, after a quoted newline
  ExpectSameForEveryChunkSize("a,b\n1,2\n3,\"open\nnever closed\n4,5\n");  // unterminated quote
  ExpectSameForEveryChunkSize("a,b\n1,2\n\"x\"y,2\n");       // text after a closing quote
  ExpectSameForEveryChunkSize("a,b\n1,\"\n\"\nx,ab\xC3\n");  // invalid UTF-8
  auto path = Write("bad.csv", "a,b\n1,\"x\ny\"\n2,3\n4\n5,6\n");
  EXPECT_EQ(Run(path, 4), "error: bad.csv: line 5: expected 2 fields, got 1");
}

TEST_F(ChunkedImportTest, SkipModeCountsAndOverridesAcrossChunks) {
  ImportOptions skip;
  skip.on_error = OnError::kSkip;
  skip.types["b"] = ColumnType::kInt;
  const std::string csv = "a,b\n1,2\n3\n\"q\nq\",5\n6,7,8\n9,x\n10,\xFF\n11,12\n";
  ExpectSameForEveryChunkSize(csv, skip);
  Json got = Json::parse(Run(Write("skip.csv", csv), 5, skip));
  EXPECT_EQ(got["rows"], 3);
  EXPECT_EQ(got["skipped"], 4);
  EXPECT_EQ(got["examples"][0], "skip.csv: line 3: expected 2 fields, got 1");
  EXPECT_EQ(got["examples"][2], "skip.csv: line 7, column 2 ('b'): 'x' is not a int");
}

TEST_F(ChunkedImportTest, InferenceMergesAcrossChunks) {
  // Ints early, a float late: the merged column is float; few distinct strings:
  // category, with codes in order of first appearance across chunks.
  std::string csv = "n,c\n";
  for (int i = 0; i < 50; ++i)
    csv += std::to_string(i) + "," + (i % 3 == 0 ? "z" : i % 3 == 1 ? "y" : "x") + "\n";
  csv += "0.5,w\n";
  ExpectSameForEveryChunkSize(csv);
  Json got = Json::parse(Run(Write("m.csv", csv), 7));
  EXPECT_EQ(got["schema"][0]["type"], "float");
  EXPECT_EQ(got["schema"][1]["type"], "category");
}

TEST(GuessChunkStartsTest, StartsJustAfterANewline) {
  const std::string s = "ab\ncd\nef\n";
  EXPECT_EQ(GuessChunkStarts(s.data(), 0, s.size(), 1), (std::vector<size_t>{0, 3, 6}));
  EXPECT_EQ(GuessChunkStarts(s.data(), 0, s.size(), 3),
            (std::vector<size_t>{0, 3, 6}));  // 3 is a line start
  EXPECT_EQ(GuessChunkStarts(s.data(), 0, s.size(), 4), (std::vector<size_t>{0, 6}));
  EXPECT_EQ(GuessChunkStarts(s.data(), 3, s.size(), 100), (std::vector<size_t>{3}));
  EXPECT_TRUE(GuessChunkStarts(s.data(), 9, s.size(), 1).empty());
}

TEST_F(ChunkedImportTest, KeptValuesBecomeTheFileTypes) {
  // Values kept from pass 1 in their chunk's form must give what parsing the text as
  // the file's type gives. One column per file, so that no other column sends its
  // chunks back to be parsed again; chunks of a few rows; compared with every chunk
  // parsed again (a budget of 0) and checked.
  auto both = [&](const std::string& name, const std::string& csv, ImportOptions options = {}) {
    auto path = Write(name, csv);
    const std::string kept = Run(path, 24, options);
    options.max_kept_bytes = 0;
    EXPECT_EQ(Run(path, 24, options), kept) << name;
    return Json::parse(kept);
  };
  std::string ints = "i\n-0\n";  // ints, then floats in a later chunk
  for (int r = 1; r < 40; ++r) ints += (r < 30 ? std::to_string(r) : fmt::format("{}.5", r)) + "\n";
  Json j = both("ints.csv", ints);
  EXPECT_EQ(j["schema"][0]["type"], "float");
  EXPECT_TRUE(std::signbit(j["data"][0]["i"].get<double>())) << "-0 became " << j["data"][0]["i"];
  EXPECT_EQ(j["data"][29]["i"], 29.0);

  j = both("big.csv", "big\n1152921504606846977\n-9007199254740993\n7\n8\n9\n0.25\n");
  EXPECT_EQ(j["data"][0]["big"].get<double>(), 1152921504606846977.0);
  EXPECT_EQ(j["data"][1]["big"].get<double>(), -9007199254740993.0);

  std::string cats = "c\n";  // a category in most chunks, too many values in one
  for (int r = 0; r < 3000; ++r) cats += (r >= 1000 && r < 2100 ? fmt::format("v{}", r) : r % 2 ? "a" : "b") + "\n";
  j = both("cats.csv", cats);
  EXPECT_EQ(j["schema"][0]["type"], "text");

  j = both("few.csv", "c\nx\n\ny\nx\n\n\nz\nx\n");  // a category with nulls
  EXPECT_EQ(j["schema"][0]["type"], "category");

  j = both("late.csv", "z\n\n\n\n\n\n\n\n\ntrue\nno\n");  // null in whole chunks, then bools
  EXPECT_EQ(j["schema"][0]["type"], "bool");

  j = both("word.csv", "w\n1\n2\n3\n4\n5\n6\n7\nword\n");  // ints that meet a word
  EXPECT_EQ(j["data"][0]["w"], "1");

  j = both("when.csv", "t\n2024-03-04\n2024-03-05 06:07\n\n2024-03-06T01:02:03Z\n");
  EXPECT_EQ(j["schema"][0]["type"], "timestamp");

  // Columns whose type changes during pass 1, which writes each in the type it has
  // so far. Numbers, then words: float while only nulls, int, float, then a category,
  // which the kept numbers do not convert to: left to pass 2.
  std::string shifting = "s\n\n\n\n1\n2\n2.5\n";
  for (int r = 0; r < 900; ++r) shifting += fmt::format("w{}\n", r < 30 ? r : r % 30);
  j = both("shifting.csv", shifting);
  EXPECT_EQ(j["schema"][0]["type"], "category");
  EXPECT_EQ(j["data"][5]["s"], "w2");
  ExpectSameForEveryChunkSize(shifting);
  // Words only: a category, text while 30 values are many for the rows seen, a
  // category once the rows are many, text with 30 new values, a category again:
  // written anew at each change, then, past a few, left to pass 2.
  std::string oscillating = "o\n";
  for (int r = 0; r < 1260; ++r) oscillating += fmt::format("w{}\n", r < 630 ? r % 30 : 30 + r % 30);
  j = both("oscillating.csv", oscillating);
  EXPECT_EQ(j["schema"][0]["type"], "category");
  ExpectSameForEveryChunkSize(oscillating);

  ImportOptions forced;  // overridden types are kept as those types
  forced.types = {{"i", ColumnType::kText}};
  j = both("forced-text.csv", ints, forced);
  EXPECT_EQ(j["data"][0]["i"], "-0");
  forced.types = {{"c", ColumnType::kCategory}};
  both("forced-category.csv", cats, forced);
  forced.types = {{"k", ColumnType::kBool}};
  j = both("forced-bool.csv", "k\n1\n0\ntrue\n\nno\n1\n", forced);
  EXPECT_EQ(j["data"][0]["k"], true);
}

}  // namespace
}  // namespace strata::data
