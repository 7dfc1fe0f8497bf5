#include "data/reader.h"

#include "data_test_util.h"

namespace strata::data {
namespace {

class ReaderTest : public DataTest {
 protected:
  // Reads every record as strings, "<null>" for nulls.
  std::vector<std::vector<std::string>> ReadAll(const std::string& content, ReaderOptions options = {},
                                                std::vector<std::string>* columns = nullptr) {
    auto path = Write(options.format == FileFormat::kJsonl ? "in.jsonl" : "in.csv", content);
    auto reader = OpenReader(path, options);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    std::vector<std::vector<std::string>> out;
    if (!reader.ok()) return out;
    Record rec;
    for (;;) {
      auto more = (*reader)->Next(&rec);
      EXPECT_TRUE(more.ok()) << more.status().ToString();
      if (!more.ok() || !*more) break;
      std::vector<std::string> row;
      for (size_t i = 0; i < rec.fields.size(); ++i) row.push_back(rec.null[i] ? "<null>" : std::string(rec.fields[i]));
      out.push_back(row);
    }
    if (columns) *columns = (*reader)->columns();
    return out;
  }
  Status FirstError(const std::string& content, ReaderOptions options = {}) {
    auto path = Write("bad.csv", content);
    auto reader = OpenReader(path, options);
    if (!reader.ok()) return reader.status();
    Record rec;
    for (;;) {
      auto more = (*reader)->Next(&rec);
      if (!more.ok()) return more.status();
      if (!*more) return Status::Ok();
    }
  }
};

using Rows = std::vector<std::vector<std::string>>;

TEST_F(ReaderTest, QuotesSeparatorsNewlinesAndDoubledQuotes) {
  std::vector<std::string> cols;
  Rows rows = ReadAll("a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",z\n", {}, &cols);
  EXPECT_EQ(cols, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(rows, (Rows{{"1", "x, y", "say \"hi\""}, {"2", "two\nlines", "z"}}));
}

TEST_F(ReaderTest, BomCrlfAndNoTrailingNewline) {
  EXPECT_EQ(ReadAll("\xEF\xBB\xBFid,v\r\n1,a\r\n2,b"), (Rows{{"1", "a"}, {"2", "b"}}));
  std::vector<std::string> cols;
  ReadAll("\xEF\xBB\xBFid,v\r\n1,a\r\n", {}, &cols);
  EXPECT_EQ(cols[0], "id");
}

TEST_F(ReaderTest, NullTokensAndEmptyFields) {
  EXPECT_EQ(ReadAll("a,b,c,d\nNA,,null,\"NA\"\n"), (Rows{{"<null>", "<null>", "<null>", "NA"}}));
  ReaderOptions custom;
  custom.null_tokens = {"-"};
  EXPECT_EQ(ReadAll("a,b\n-,NA\n", custom), (Rows{{"<null>", "NA"}}));
}

TEST_F(ReaderTest, TsvAndCustomSeparatorAndNoHeader) {
  ReaderOptions tsv;
  tsv.format = FileFormat::kTsv;
  EXPECT_EQ(ReadAll("a\tb\n1,5\t2\n", tsv), (Rows{{"1,5", "2"}}));
  ReaderOptions semi;
  semi.separator = ';';
  semi.header = false;
  std::vector<std::string> cols;
  EXPECT_EQ(ReadAll("1;2\n3;4\n", semi, &cols), (Rows{{"1", "2"}, {"3", "4"}}));
  EXPECT_EQ(cols, (std::vector<std::string>{"col_1", "col_2"}));
}

TEST_F(ReaderTest, BlankLinesAndTrailingSeparator) {
  EXPECT_EQ(ReadAll("a,b\n1,2\n\n3,\n"), (Rows{{"1", "2"}, {"3", "<null>"}}));
}

TEST_F(ReaderTest, RecordLongerThanTheBuffer) {
  std::string big(9 << 20, 'x');
  Rows rows = ReadAll("a,b\n\"" + big + "\",1\n2,3\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0].size(), big.size());
  EXPECT_EQ(rows[1], (std::vector<std::string>{"2", "3"}));
}

TEST_F(ReaderTest, LineNumbersCountEmbeddedNewlines) {
  auto path = Write("l.csv", "a,b\n1,\"x\ny\"\n2,z\n");
  auto reader = OpenReader(path, {});
  Record rec;
  ASSERT_TRUE(*(*reader)->Next(&rec));
  EXPECT_EQ(rec.line, 2);
  ASSERT_TRUE(*(*reader)->Next(&rec));
  EXPECT_EQ(rec.line, 4);
}

TEST_F(ReaderTest, UnterminatedQuoteNamesLineAndColumn) {
  Status s = FirstError("a,b\n1,2\n3,\"open\nnever closed\n");
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "bad.csv: line 3, column 2: unterminated quoted field");
}

TEST_F(ReaderTest, TextAfterClosingQuoteIsAnError) {
  Status s = FirstError("a,b\n\"x\"y,2\n");
  EXPECT_NE(s.message().find("line 2, column 1: unexpected 'y' after a closing quote"), std::string::npos)
      << s.message();
}

TEST_F(ReaderTest, DuplicateHeaderNames) {
  Status s = FirstError("a,b,a\n1,2,3\n");
  EXPECT_EQ(s.message(), "bad.csv: line 1: duplicate column name 'a' (columns 1 and 3)");
}

TEST_F(ReaderTest, HeaderNamesMustBeUtf8) {
  // Found by import_fuzz: a name with a stray byte reached schema.json's writer, whose
  // JSON library threw on it, ending the process.
  Status s = FirstError("ok,b\xad\xad\n1,2\n");
  EXPECT_EQ(s.message(), "bad.csv: line 1, column 2: the column name is not valid UTF-8 (byte 2)");
}

TEST_F(ReaderTest, JsonLinesDiscoverColumnsInOrder) {
  ReaderOptions o;
  o.format = FileFormat::kJsonl;
  std::vector<std::string> cols;
  Rows rows = ReadAll("{\"b\": 1, \"a\": \"x\"}\n\n{\"a\": null, \"c\": true, \"d\": [1,2]}\n", o, &cols);
  EXPECT_EQ(cols, (std::vector<std::string>{"b", "a", "c", "d"}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"1", "x"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"<null>", "<null>", "true", "[1,2]"}));
}

TEST_F(ReaderTest, JsonLinesErrorsNameTheLine) {
  ReaderOptions o;
  o.format = FileFormat::kJsonl;
  auto path = Write("x.jsonl", "{\"a\": 1}\n{\"a\": }\n");
  auto reader = OpenReader(path, o);
  Record rec;
  ASSERT_TRUE(*(*reader)->Next(&rec));
  auto r = (*reader)->Next(&rec);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("x.jsonl: line 2, column 7: invalid JSON"), std::string::npos)
      << r.status().message();
  auto path2 = Write("y.jsonl", "[1, 2]\n");
  auto reader2 = OpenReader(path2, o);
  auto r2 = (*reader2)->Next(&rec);
  EXPECT_EQ(r2.status().message(), "y.jsonl: line 1: expected a JSON object, got array");
}

TEST_F(ReaderTest, MissingFileAndFormats) {
  EXPECT_EQ(OpenReader(dir_ / "nope.csv", {}).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(*ParseFileFormat("tsv"), FileFormat::kTsv);
  EXPECT_FALSE(ParseFileFormat("xlsx").ok());
  EXPECT_EQ(GuessFileFormat("a/b.JSONL"), FileFormat::kJsonl);
  EXPECT_EQ(GuessFileFormat("a/b.tab"), FileFormat::kTsv);
  EXPECT_EQ(GuessFileFormat("a/b"), FileFormat::kCsv);
}

}  // namespace
}  // namespace strata::data
