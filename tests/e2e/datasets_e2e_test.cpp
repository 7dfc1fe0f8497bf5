// Datasets through the real server and the CLI: upload, versions, rows, errors.
#include <fstream>

#include <gtest/gtest.h>

#include "harness.h"

namespace strata::e2e {
namespace {

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string WriteFile(const TempDir& dir, const std::string& name, const std::string& content) {
  std::string path = dir.str() + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

const char* kWeather =
    "id,city,temp,when,ok\n"
    "1,Paris,12.5,2024-01-01,yes\n"
    "2,Oslo,,2024-01-02,no\n"
    "3,\"Rome, IT\",21,2024-01-03T10:00:00Z,yes\n";

TEST(DatasetsE2E, UploadShowRowsVersionsDelete) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  api::Response r = Http(server.url(), "POST", "/api/v1/datasets?name=weather&format=csv", kWeather);
  ASSERT_EQ(r.status, 201) << r.body;
  Json d = Json::parse(r.body);
  EXPECT_EQ(d["name"], "weather");
  EXPECT_EQ(d["version"], 1);
  EXPECT_EQ(d["rows"], 3);
  EXPECT_EQ(d["columns"], Json::parse(R"([{"name": "id", "type": "int", "nulls": 0},
    {"name": "city", "type": "category", "nulls": 0}, {"name": "temp", "type": "float", "nulls": 1},
    {"name": "when", "type": "timestamp", "nulls": 0}, {"name": "ok", "type": "bool", "nulls": 0}])"));

  // Re-importing makes version 2; the old one stays readable.
  r = Http(server.url(), "POST", "/api/v1/datasets?name=weather&types=id:float", kWeather);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Json::parse(r.body)["version"], 2);
  Json latest = HttpJson(server.url(), "GET", "/api/v1/datasets/weather");
  EXPECT_EQ(latest["version"], 2);
  EXPECT_EQ(latest["versions"], Json::parse("[1, 2]"));
  EXPECT_EQ(latest["columns"][0]["type"], "float");
  Json v1 = HttpJson(server.url(), "GET", "/api/v1/datasets/weather?version=1");
  EXPECT_EQ(v1["columns"][0]["type"], "int");

  Json rows = HttpJson(server.url(), "GET", "/api/v1/datasets/weather/rows?offset=1&limit=5&version=1");
  EXPECT_EQ(rows["total_rows"], 3);
  ASSERT_EQ(rows["rows"].size(), 2u);
  EXPECT_EQ(rows["rows"][0], Json::parse(R"({"id": 2, "city": "Oslo", "temp": null,
                                             "when": "2024-01-02T00:00:00.000Z", "ok": false})"));
  EXPECT_EQ(rows["rows"][1]["city"], "Rome, IT");

  Json list = HttpJson(server.url(), "GET", "/api/v1/datasets");
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["version"], 2);

  int status = 0;
  Json del = HttpJson(server.url(), "DELETE", "/api/v1/datasets/weather", nullptr, &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(del["versions"], 2);
  HttpJson(server.url(), "GET", "/api/v1/datasets/weather", nullptr, &status);
  EXPECT_EQ(status, 404);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "data/objects/datasets/weather"));
}

TEST(DatasetsE2E, BadInputGetsClearErrorsAndLeavesNothing) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  auto expect = [&](const std::string& target, const std::string& body, int status, const std::string& fragment) {
    api::Response r = Http(server.url(), "POST", target, body);
    EXPECT_EQ(r.status, status) << target << ": " << r.body;
    EXPECT_TRUE(Contains(r.body, fragment)) << target << ": " << r.body;
  };
  expect("/api/v1/datasets?name=x", "a,b\n1,2\n3\n", 400, "x: line 3: expected 2 fields, got 1");
  expect("/api/v1/datasets?name=x&source=f.csv", "a,\"b\n1,2\n", 400, "f.csv: line 1, column 2: unterminated quoted field");
  expect("/api/v1/datasets?name=x", "a\n\xff\n", 400, "invalid UTF-8");
  expect("/api/v1/datasets?name=x&types=a:int", "a\n1\nz\n", 400, "line 3, column 1 ('a'): 'z' is not a int");
  expect("/api/v1/datasets?name=x&types=a:nope", "a\n1\n", 400, "'nope' is not a type");
  expect("/api/v1/datasets?name=x&format=xlsx", "a\n1\n", 400, "format must be csv, tsv or jsonl");
  expect("/api/v1/datasets", "a\n1\n", 400, "'name' is required");
  expect("/api/v1/datasets?name=../etc", "a\n1\n", 400, "dataset name '../etc' is not valid");
  expect("/api/v1/datasets?name=x", "", 400, "empty");
  expect("/api/v1/datasets?name=x&format=jsonl", "{\"a\": 1}\n[2]\n", 400, "line 2: expected a JSON object");
  // Skip mode imports what it can and says how much it skipped.
  api::Response ok = Http(server.url(), "POST", "/api/v1/datasets?name=x&on_error=skip", "a,b\n1,2\n3\n4,5\n");
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(Json::parse(ok.body)["skipped_rows"], 1);
  EXPECT_EQ(Json::parse(ok.body)["rows"], 2);
  Json list = HttpJson(server.url(), "GET", "/api/v1/datasets");
  EXPECT_EQ(list["items"].size(), 1u) << "failed imports must leave no dataset: " << list.dump();
  int status = 0;
  HttpJson(server.url(), "GET", "/api/v1/datasets/x/rows?limit=20000", nullptr, &status);
  EXPECT_EQ(status, 400);
}

TEST(DatasetsE2E, CliImportsLocallyAndRemotelyAlike) {
  TempDir dir;
  std::string file = WriteFile(dir, "weather data.csv", kWeather);
  std::string jsonl = WriteFile(dir, "events.jsonl", "{\"user\": \"a\", \"n\": 1}\n{\"user\": \"b\", \"n\": 2, \"tag\": \"x\"}\n");
  std::string local = dir.str() + "/local";
  CliResult l = RunCli({"--data-dir", local, "datasets", "import", file, "--output", "json"});
  ASSERT_EQ(l.exit_code, 0) << l.err;
  Json ld = Json::parse(l.out);
  EXPECT_EQ(ld["name"], "weather-data");  // from the file name
  EXPECT_EQ(ld["source"], "weather data.csv");

  ServerProcess server;
  server.Start(dir.str() + "/remote");
  CliResult r = RunCli({"--server", server.url(), "datasets", "import", file, "--name", "w", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json rd = Json::parse(r.out);
  EXPECT_EQ(rd["columns"], ld["columns"]);
  EXPECT_EQ(rd["rows"], ld["rows"]);
  EXPECT_EQ(rd["bytes"], ld["bytes"]);

  CliResult j = RunCli({"--server", server.url(), "datasets", "import", jsonl, "-o", "json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_EQ(Json::parse(j.out)["columns"].size(), 3u);

  CliResult head = RunCli({"--server", server.url(), "datasets", "head", "w", "-n", "2", "-o", "table"});
  ASSERT_EQ(head.exit_code, 0) << head.err;
  EXPECT_TRUE(Contains(head.out, "city")) << head.out;
  EXPECT_TRUE(Contains(head.out, "Paris")) << head.out;
  EXPECT_FALSE(Contains(head.out, "Rome")) << head.out;

  CliResult show = RunCli({"--server", server.url(), "datasets", "show", "w", "-o", "table"});
  EXPECT_TRUE(Contains(show.out, "w v1: 3 rows, 5 columns")) << show.out;
  EXPECT_TRUE(Contains(show.out, "timestamp")) << show.out;

  CliResult typed = RunCli({"--data-dir", local, "datasets", "import", file, "--name", "t", "--type", "temp=text",
                            "-o", "json"});
  ASSERT_EQ(typed.exit_code, 0) << typed.err;
  EXPECT_EQ(Json::parse(typed.out)["columns"][2]["type"], "text");

  CliResult bad = RunCli({"--server", server.url(), "datasets", "import", dir.str() + "/missing.csv"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(Contains(bad.err, "is not a readable file")) << bad.err;

  std::string ragged = WriteFile(dir, "ragged.csv", "a,b\n1\n");
  CliResult rg = RunCli({"--data-dir", local, "datasets", "import", ragged});
  EXPECT_EQ(rg.exit_code, 2);
  EXPECT_TRUE(Contains(rg.err, "ragged.csv: line 2: expected 2 fields, got 1")) << rg.err;

  CliResult del = RunCli({"--server", server.url(), "datasets", "delete", "w"});
  EXPECT_EQ(del.exit_code, 0) << del.err;
  CliResult gone = RunCli({"--server", server.url(), "datasets", "show", "w"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_TRUE(Contains(gone.err, "NotFound: dataset 'w' does not exist")) << gone.err;
}

}  // namespace
}  // namespace strata::e2e

namespace strata::e2e {
namespace {

TEST(DatasetsE2E, SampleDataLoadsOnceIntoAnEmptyDataDir) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "samples");
  WriteFile(dir, "samples/alpha.csv", "x,y\n1,a\n2,b\n");
  WriteFile(dir, "samples/beta.jsonl", "{\"k\": 1}\n");
  WriteFile(dir, "samples/notes.txt", "not data");
  std::string data = dir.str() + "/data";
  {
    ServerProcess server;
    server.Start(data, {"--sample-data", dir.str() + "/samples"});
    Json list = HttpJson(server.url(), "GET", "/api/v1/datasets");
    ASSERT_EQ(list["items"].size(), 2u) << list.dump();
    EXPECT_EQ(list["items"][0]["name"], "alpha");
    EXPECT_EQ(list["items"][1]["name"], "beta");
  }
  ServerProcess again;  // a restart does not import them again
  again.Start(data, {"--sample-data", dir.str() + "/samples"});
  Json alpha = HttpJson(again.url(), "GET", "/api/v1/datasets/alpha");
  EXPECT_EQ(alpha["versions"].size(), 1u);
}

}  // namespace
}  // namespace strata::e2e

namespace strata::e2e {
namespace {

TEST(DatasetsE2E, ProfileAsJsonHtmlAndTerminal) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  std::string csv = "amount,kind,flag\n";
  for (int i = 0; i < 200; ++i) csv += fmt::format("{},{},{}\n", i * 1.5, i % 4 == 0 ? "rare" : "common", i % 2 ? "yes" : "no");
  ASSERT_EQ(Http(server.url(), "POST", "/api/v1/datasets?name=p", csv).status, 201);
  Json p = HttpJson(server.url(), "GET", "/api/v1/datasets/p/profile?target=kind");
  EXPECT_EQ(p["rows"], 200);
  EXPECT_EQ(p["column_profiles"][0]["numeric"]["mean"], 149.25);
  EXPECT_EQ(p["target"]["kind"], "classification");
  EXPECT_EQ(p["target"]["class_balance"][0]["count"], 150);
  api::Response html = Http(server.url(), "GET", "/api/v1/datasets/p/profile?format=html");
  EXPECT_EQ(html.status, 200);
  EXPECT_NE(html.content_type.find("text/html"), std::string::npos);
  EXPECT_NE(html.body.find("<svg"), std::string::npos);
  int status = 0;
  HttpJson(server.url(), "GET", "/api/v1/datasets/p/profile?target=nope", nullptr, &status);
  EXPECT_EQ(status, 400);
  HttpJson(server.url(), "GET", "/api/v1/datasets/p/profile?format=pdf", nullptr, &status);
  EXPECT_EQ(status, 400);
  HttpJson(server.url(), "GET", "/api/v1/datasets/nope/profile", nullptr, &status);
  EXPECT_EQ(status, 404);

  CliResult table = RunCli({"--server", server.url(), "datasets", "profile", "p", "--target", "kind", "-o", "table"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_TRUE(Contains(table.out, "amount")) << table.out;
  EXPECT_TRUE(Contains(table.out, "Target 'kind' (classification)")) << table.out;
  std::string report = dir.str() + "/report.html";
  CliResult h = RunCli({"--server", server.url(), "datasets", "profile", "p", "--html", report});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  EXPECT_TRUE(std::filesystem::file_size(report) > 1000);
  CliResult bad = RunCli({"--server", server.url(), "datasets", "profile", "p", "--target", "nope", "--html", report});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(Contains(bad.err, "target column 'nope'")) << bad.err;
}

}  // namespace
}  // namespace strata::e2e

namespace strata::e2e {
namespace {

TEST(DatasetsE2E, SplitRecordsLineageAndSampleIsReproducible) {
  TempDir dir;
  ServerProcess server;
  server.Start(dir.str() + "/data");
  std::string csv = "id,label\n";
  for (int i = 0; i < 100; ++i) csv += fmt::format("{},{}\n", i, i % 4 == 0 ? "a" : "b");
  ASSERT_EQ(Http(server.url(), "POST", "/api/v1/datasets?name=src", csv).status, 201);
  int status = 0;
  Json split = HttpJson(server.url(), "POST", "/api/v1/datasets/src/split",
                        {{"fractions", {{"train", 0.8}, {"test", 0.2}}}, {"stratify_by", "label"}, {"seed", 3}}, &status);
  ASSERT_EQ(status, 201) << split.dump();
  EXPECT_EQ(split["parent"], "src@1");
  EXPECT_EQ(split["datasets"][0]["name"], "src-train");
  EXPECT_EQ(split["datasets"][0]["rows"], 80);
  EXPECT_EQ(split["datasets"][1]["rows"], 20);
  Json test = HttpJson(server.url(), "GET", "/api/v1/datasets/src-test");
  EXPECT_EQ(test["parent"], "src@1");
  Json profile = HttpJson(server.url(), "GET", "/api/v1/datasets/src-test/profile?target=label");
  EXPECT_EQ(profile["target"]["class_balance"][1]["count"], 5);  // 25 % of 20

  HttpJson(server.url(), "POST", "/api/v1/datasets/src/split", {{"fractions", {{"x", 0.3}}}}, &status);
  EXPECT_EQ(status, 400);
  HttpJson(server.url(), "POST", "/api/v1/datasets/src/split", {{"fractions", {{"x", "half"}, {"y", 0.5}}}}, &status);
  EXPECT_EQ(status, 400);
  HttpJson(server.url(), "POST", "/api/v1/datasets/src/split", {{"fractions", {{"bad/name", 1.0}}}}, &status);
  EXPECT_EQ(status, 400);

  Json s1 = HttpJson(server.url(), "GET", "/api/v1/datasets/src/sample?n=5&seed=9");
  Json s2 = HttpJson(server.url(), "GET", "/api/v1/datasets/src/sample?n=5&seed=9");
  EXPECT_EQ(s1["rows"].size(), 5u);
  EXPECT_EQ(s1, s2);

  CliResult cli = RunCli({"--server", server.url(), "datasets", "split", "src", "--time-column", "id", "--fraction",
                          "old=0.5", "--fraction", "new=0.5", "--prefix", "byid", "-o", "json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  Json newer = HttpJson(server.url(), "GET", "/api/v1/datasets/byid-new/rows?limit=1");
  EXPECT_EQ(newer["rows"][0]["id"], 50);
}

}  // namespace
}  // namespace strata::e2e

namespace strata::e2e {
namespace {

TEST(DatasetsE2E, ServerSeesADatasetReplacedByAnotherProcess) {
  TempDir dir;
  std::string data = dir.str() + "/data";
  ServerProcess server;
  server.Start(data);
  ASSERT_EQ(Http(server.url(), "POST", "/api/v1/datasets?name=x", "v\nold\n").status, 201);
  EXPECT_EQ(HttpJson(server.url(), "GET", "/api/v1/datasets/x/rows")["rows"][0]["v"], "old");  // now cached
  // The CLI, in its own process on the same data dir, replaces the dataset.
  ASSERT_EQ(RunCli({"--data-dir", data, "datasets", "delete", "x"}).exit_code, 0);
  std::string file = WriteFile(dir, "x.csv", "v\nnew\n");
  ASSERT_EQ(RunCli({"--data-dir", data, "datasets", "import", file, "--name", "x"}).exit_code, 0);
  Json rows = HttpJson(server.url(), "GET", "/api/v1/datasets/x/rows");
  EXPECT_EQ(rows["version"], 1);
  EXPECT_EQ(rows["rows"][0]["v"], "new");
}

}  // namespace
}  // namespace strata::e2e
