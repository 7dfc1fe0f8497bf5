#include "core/config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

namespace strata::core {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("strata-config-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string WriteYaml(const std::string& text) {
    auto p = dir_ / "strata.yaml";
    std::ofstream(p) << text;
    return p.string();
  }
  std::filesystem::path dir_;
};

Config::EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST_F(ConfigTest, DefaultsWhenNothingGiven) {
  auto c = Config::Load({}, Env({}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->Get("data_dir"), "./strata-data");
  EXPECT_EQ(c->GetInt("port"), 8080);
  EXPECT_EQ(c->SourceOf("port"), "default");
}

TEST_F(ConfigTest, PrecedenceIsFlagThenEnvThenFileThenDefault) {
  std::string path = WriteYaml("port: 9000\nhost: 0.0.0.0\nlog_level: debug\n");
  auto c = Config::Load({{"config", path}, {"port", "9100"}},
                        Env({{"STRATA_PORT", "9200"}, {"STRATA_HOST", "10.0.0.1"}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->Get("port"), "9100");
  EXPECT_EQ(c->SourceOf("port"), "flag");
  EXPECT_EQ(c->Get("host"), "10.0.0.1");
  EXPECT_EQ(c->SourceOf("host"), "env");
  EXPECT_EQ(c->Get("log_level"), "debug");
  EXPECT_EQ(c->SourceOf("log_level"), "file");
  EXPECT_EQ(c->SourceOf("data_dir"), "default");
}

TEST_F(ConfigTest, ConfigFileFromEnvironment) {
  std::string path = WriteYaml("port: 9000\n");
  auto c = Config::Load({}, Env({{"STRATA_CONFIG", path}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->GetInt("port"), 9000);
}

TEST_F(ConfigTest, UnknownKeyNamesFileAndLine) {
  std::string path = WriteYaml("port: 9000\nprot: 1\n");
  auto c = Config::Load({{"config", path}}, Env({}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("line 2: unknown setting 'prot'"), std::string::npos)
      << c.status().message();
}

TEST_F(ConfigTest, BadTypesAreRejectedWithTheirSource) {
  auto c = Config::Load({}, Env({{"STRATA_PORT", "eighty"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("STRATA_PORT"), std::string::npos);
  auto f = Config::Load({{"port", "1x"}}, Env({}));
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("--port"), std::string::npos);
  std::string path = WriteYaml("port: [1, 2]\n");
  EXPECT_FALSE(Config::Load({{"config", path}}, Env({})).ok());
}

TEST_F(ConfigTest, MalformedYamlAndMissingFile) {
  std::string path = WriteYaml("port: 1\n  bad: : indent\n");
  auto c = Config::Load({{"config", path}}, Env({}));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("line"), std::string::npos);
  auto m = Config::Load({{"config", (dir_ / "nope.yaml").string()}}, Env({}));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("cannot be read"), std::string::npos);
}

TEST_F(ConfigTest, NamesMapToFlagsAndEnv) {
  EXPECT_EQ(EnvVarFor("data_dir"), "STRATA_DATA_DIR");
  EXPECT_EQ(FlagFor("data_dir"), "--data-dir");
  for (const auto& s : AllSettings()) EXPECT_FALSE(s.help.empty()) << s.name;
}

}  // namespace
}  // namespace strata::core
