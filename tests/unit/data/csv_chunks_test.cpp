// The parallel import cuts a CSV into chunks at guessed line starts. Imports with
// chunks of a few bytes put a boundary at every position of these files (inside
// quoted fields with newlines, on a quote, between \r and \n, inside the BOM's
// record) and must give what one chunk gives: same rows, types, errors and counts.

#include "data/csv_chunks.h"

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

}  // namespace
}  // namespace strata::data
