// The built-in `sleep` and `echo` job types.
#include <chrono>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>

#include "jobs/job_type.h"

namespace strata::jobs {
namespace {

struct SleepParams {
  double seconds = 1;
  int64_t steps = 10;
  std::string fail;  // fail at the end with this message
  bool crash = false;  // abort() half-way, as a crashing job would
};

Result<SleepParams> ParseSleep(const Json& params) {
  if (!params.is_object()) return InvalidArgumentError("params must be an object");
  for (const auto& [key, value] : params.items()) {
    if (key != "seconds" && key != "steps" && key != "fail" && key != "crash") {
      return InvalidArgumentError(fmt::format("sleep: unknown parameter '{}' (known: seconds, steps, fail, crash)", key));
    }
  }
  SleepParams p;
  STRATA_ASSIGN_OR_RETURN(p.seconds, core::OptionalNumber(params, "seconds", 1));
  STRATA_ASSIGN_OR_RETURN(p.steps, core::OptionalInt(params, "steps", 10));
  STRATA_ASSIGN_OR_RETURN(p.fail, core::OptionalString(params, "fail", ""));
  STRATA_ASSIGN_OR_RETURN(p.crash, core::OptionalBool(params, "crash", false));
  if (!(p.seconds >= 0 && p.seconds <= 86400)) {
    return InvalidArgumentError(fmt::format("sleep: seconds must be in [0, 86400], got {}", p.seconds));
  }
  if (p.steps < 1 || p.steps > 100000) {
    return InvalidArgumentError(fmt::format("sleep: steps must be in [1, 100000], got {}", p.steps));
  }
  return p;
}

Result<Json> RunSleep(JobContext& ctx) {
  STRATA_ASSIGN_OR_RETURN(SleepParams p, ParseSleep(ctx.job().params));
  auto step = std::chrono::duration<double>(p.seconds / static_cast<double>(p.steps));
  for (int64_t i = 0; i < p.steps; ++i) {
    if (ctx.StopRequested()) {
      core::log::Info("stop requested after step {}/{}", i, p.steps);
      return Json{{"steps_done", i}};
    }
    if (p.crash && i >= p.steps / 2) {
      core::log::Error("crashing on purpose at step {}/{}", i, p.steps);
      std::abort();
    }
    std::this_thread::sleep_for(step);
    core::log::Info("step {}/{}", i + 1, p.steps);
    ctx.Progress(static_cast<double>(i + 1) / static_cast<double>(p.steps),
                 fmt::format("step {}/{}", i + 1, p.steps));
  }
  if (!p.fail.empty()) return InvalidArgumentError(p.fail);
  return Json{{"slept_s", p.seconds}, {"steps", p.steps}};
}

}  // namespace

void RegisterBuiltinJobTypes(JobTypeRegistry& registry) {
  (void)registry.Register({
      "sleep",
      "Sleeps in steps, reporting progress; params: seconds, steps, fail (message), crash (bool). "
      "For testing the job system.",
      [](const Json& params) { return ParseSleep(params).status(); },
      RunSleep,
  });
  (void)registry.Register({
      "echo",
      "Completes at once with {\"message\": params.message}.",
      [](const Json& params) { return core::OptionalString(params, "message", "").status(); },
      [](JobContext& ctx) -> Result<Json> {
        STRATA_ASSIGN_OR_RETURN(std::string m, core::OptionalString(ctx.job().params, "message", ""));
        core::log::Info("echo: {}", m);
        return Json{{"message", m}};
      },
  });
}

}  // namespace strata::jobs
