// Predictor over text models: the text column of JSON rows, lists and table rows goes to
// Model::PredictText in place of the recipe; classifier rows list their top classes,
// word-vector rows their embedding.
#include <fstream>

#include "serve/predictor.h"
#include "serve_test_util.h"

namespace strata::serve {
namespace {

using testing::TempDir;

// A text model version as training writes one: model.json names the text column and
// has no recipe.
std::filesystem::path MakeTextModel(const std::filesystem::path& dir, const std::string& algorithm,
                                    int top_k) {
  const std::vector<std::string> texts = {"the goal of the match",    "a team scored a goal",
                                          "the match and the team",   "bake the flour in the oven",
                                          "garlic sauce in the oven", "flour and garlic to bake"};
  const std::vector<float> labels = {0, 0, 0, 1, 1, 1};
  const ml::Algorithm* algo = ml::FindAlgorithm(algorithm);
  EXPECT_NE(algo, nullptr);
  Json given = {{"threads", 1}, {"epochs", 50}, {"lr", 0.5}, {"dim", 8}, {"min_count", 1}};
  if (algorithm == "text-classifier") given["top_k"] = top_k;
  auto hp = ml::ValidateHyperparameters(algo->hyperparameters(), given);
  EXPECT_TRUE(hp.ok()) << hp.status().ToString();
  ml::TrainInput in;
  in.problem =
      algorithm == "text-classifier" ? ml::Problem::kBinaryClassification : ml::Problem::kEmbedding;
  in.num_classes = algorithm == "text-classifier" ? 2 : 0;
  in.hyperparameters = *hp;
  in.texts = texts;
  if (algorithm == "text-classifier") in.labels = labels;
  in.work_dir = dir;
  auto model = algo->Train(in, nullptr);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  const auto model_dir = dir / algorithm;
  std::filesystem::create_directories(model_dir);
  auto payload = (*model)->Save(model_dir);
  EXPECT_TRUE(payload.ok());
  Json mj = {
      {"format", "strata-model"},
      {"algorithm", algorithm},
      {"problem", ml::ProblemName(in.problem)},
      {"classes", algorithm == "text-classifier" ? Json({"sports", "cooking"}) : Json::array()},
      {"input_schema", {{{"name", "review"}, {"type", "text"}}}},
      {"text_column", "review"},
      {"training", (*model)->Info()},
      {"payload", *payload}};
  std::ofstream(model_dir / "model.json") << mj.dump(2);
  return model_dir;
}

TEST(TextPredictor, ClassifiesTheTextColumnOfObjectsListsAndTables) {
  TempDir dir;
  auto p = Predictor::Load(MakeTextModel(dir.path, "text-classifier", 1));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)->text_column(), "review");
  EXPECT_EQ((*p)->input_columns(), std::vector<std::string>{"review"});
  auto out = (*p)->PredictJson(
      Json::parse(R"([{"review": "goal for the team", "stars": 5}, ["oven and garlic"], {}])"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->rows, 3u);
  Json first = (*p)->RowJson(*out, 0), second = (*p)->RowJson(*out, 1);
  EXPECT_EQ(first["prediction"], "sports") << first.dump();
  EXPECT_EQ(second["prediction"], "cooking") << second.dump();
  ASSERT_EQ(first["top_classes"].size(), 1u);  // top_k 1
  EXPECT_EQ(first["top_classes"][0]["class"], "sports");
  EXPECT_EQ(first["top_classes"][0]["probability"], first["probabilities"]["sports"]);
  // The extra column and the missing text are noted, not fatal.
  ASSERT_EQ(out->notes.size(), 2u);
  EXPECT_NE(out->notes[0].find("'stars'"), std::string::npos) << out->notes[0];
  EXPECT_NE(out->notes[1].find("read as empty text"), std::string::npos) << out->notes[1];

  // Rows of a stored table, by the column's name.
  const auto csv = dir.path / "reviews.csv";
  std::ofstream(csv) << "id,review\n1,the goal of the team\n2,garlic and flour in the oven\n";
  data::ImportOptions io;
  ASSERT_TRUE(data::ImportFile(csv, io, dir.path / "table").ok());
  auto table = data::Table::Open(dir.path / "table");
  ASSERT_TRUE(table.ok());
  auto rows = (*p)->PredictTable(**table, {});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ((*p)->RowJson(*rows, 0)["prediction"], "sports");
  EXPECT_EQ((*p)->RowJson(*rows, 1)["prediction"], "cooking");
  EXPECT_FALSE((*p)->FeaturesTable(**table, {}).ok());
}

TEST(TextPredictor, EmbedsWithWordVectors) {
  TempDir dir;
  auto p = Predictor::Load(MakeTextModel(dir.path, "word-vectors", 0));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)->problem(), ml::Problem::kEmbedding);
  EXPECT_EQ((*p)->outputs_per_row(), 8);
  auto out = (*p)->PredictJson(
      Json::parse(R"([{"review": "goal"}, {"review": "goal"}, {"review": "oven"}])"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  Json row = (*p)->RowJson(*out, 0);
  ASSERT_EQ(row["embedding"].size(), 8u) << row.dump();
  EXPECT_EQ(row, (*p)->RowJson(*out, 1));
  EXPECT_NE(row, (*p)->RowJson(*out, 2));
}

TEST(TextPredictor, ModelJsonMustNameTheTextColumn) {
  TempDir dir;
  const auto model_dir = MakeTextModel(dir.path, "text-classifier", 3);
  auto text = core::ReadFile(model_dir / "model.json");
  ASSERT_TRUE(text.ok());
  Json mj = Json::parse(*text);
  mj.erase("text_column");
  std::ofstream(model_dir / "model.json") << mj.dump();
  auto p = Predictor::Load(model_dir);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("text_column"), std::string_view::npos)
      << p.status().ToString();
}

}  // namespace
}  // namespace strata::serve
