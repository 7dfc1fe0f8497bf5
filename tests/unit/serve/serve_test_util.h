#pragma once
// A small trained model version on disk (model.json + the algorithm's file), made the
// way the training job makes one, for serve/ tests.

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "data/data.h"
#include "ml/ml.h"

namespace strata::serve::testing {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("strata-serve-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// y = (x1 + (plan == "gold") > 1) over `rows` rows; writes the model to dir/model (the
// table stays in dir/table). `algorithm`: xgboost or linear-learner (with standardized
// numeric features, as training gives it).
inline std::filesystem::path MakeModel(const std::filesystem::path& dir, int rows = 400,
                                       const std::string& algorithm = "xgboost") {
  const auto csv = dir / "train.csv";
  {
    std::ofstream out(csv);
    out << "x1,x2,plan,y\n";
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> u(0, 2);
    const char* plans[] = {"basic", "gold", "silver"};
    for (int i = 0; i < rows; ++i) {
      const double x1 = u(rng), x2 = u(rng);
      const char* plan = plans[i % 3];
      const bool y = x1 + (plan == std::string("gold") ? 1 : 0) > 1.2;
      out << x1 << "," << x2 << "," << plan << "," << (y ? "buy" : "skip") << "\n";
    }
  }
  data::ImportOptions io;
  auto imported = data::ImportFile(csv, io, dir / "table");
  EXPECT_TRUE(imported.ok()) << imported.status().ToString();
  auto table = data::Table::Open(dir / "table");
  EXPECT_TRUE(table.ok());
  data::RecipeOptions options;
  if (algorithm == "linear-learner") options.scale = data::Scale::kStandard;
  auto recipe = data::Recipe::Fit(**table, {}, "y", options);
  EXPECT_TRUE(recipe.ok());
  std::vector<int64_t> all;
  for (int64_t r = 0; r < (*table)->rows(); ++r) all.push_back(r);
  auto x = recipe->TransformTable(**table, all, nullptr);
  EXPECT_TRUE(x.ok());
  const auto& yc = (*table)->column(static_cast<size_t>((*table)->schema().Find("y")));
  std::vector<float> y;
  for (int64_t r = 0; r < (*table)->rows(); ++r) y.push_back(yc.Text(r) == "buy" ? 1.f : 0.f);
  const ml::Algorithm* algo = ml::FindAlgorithm(algorithm);
  auto hp = ml::ValidateHyperparameters(
      algo->hyperparameters(),
      algorithm == "xgboost" ? Json{{"num_round", 20}, {"nthread", 1}} : Json::object());
  EXPECT_TRUE(hp.ok());
  ml::TrainInput in;
  in.problem = ml::Problem::kBinaryClassification;
  in.num_classes = 2;
  in.hyperparameters = *hp;
  in.train = {x->data(), all.size(), recipe->num_features()};
  in.labels = y;
  auto model = algo->Train(in, nullptr);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  const auto model_dir = dir / "model";
  std::filesystem::create_directories(model_dir);
  auto payload = (*model)->Save(model_dir);
  EXPECT_TRUE(payload.ok());
  Json mj = {{"format", "strata-model"},
             {"algorithm", algorithm},
             {"problem", "binary_classification"},
             {"classes", {"skip", "buy"}},
             {"input_schema", {{{"name", "x1"}, {"type", "float"}}, {{"name", "x2"}, {"type", "float"}},
                               {{"name", "plan"}, {"type", "category"}}}},
             {"recipe", recipe->ToJson()},
             {"payload", *payload}};
  std::ofstream(model_dir / "model.json") << mj.dump(2);
  return model_dir;
}

}  // namespace strata::serve::testing
