// Handler scripts: a workload's answer to a request as steps (compute, call, parallel calls);
// see meshsim_kinds.h and README.md "Handlers".
#include <algorithm>
#include <cctype>

#include "scenarios/internal/distributions.h"
#include "scenarios/internal/durations.h"
#include "scenarios/internal/meshsim_kinds.h"

namespace meshsim::scenarios::internal {
namespace {

constexpr uint64_t kMaxBytes = 1'000'000'000'000;  // 1 TB: anything larger is a typo
constexpr uint64_t kMaxRetries = 100;

std::optional<std::string> read_path_prefix(const Mapping& m, std::string_view key) {
  auto p = m.string(key);
  if (p && (p->empty() || (*p)[0] != '/')) {
    m.ctx().report(Code::kOutOfRange, m.get(key),
                   {std::string(key), "a path starting with '/'", *p});
    return std::nullopt;
  }
  return p;
}

std::optional<models::CallStep> read_call(const Context& ctx, const YAML::Node& node,
                                          const std::string& owner, std::vector<CallSite>& calls) {
  // The target is read first, quietly, so every message can name the call.
  std::string target;
  if (node.IsMap()) {
    const YAML::Node s = node["service"];
    if (s.IsDefined() && s.IsScalar()) target = s.Scalar();
  }
  const std::string what = (target.empty() ? "call" : "call to '" + target + "'") + " in " + owner;
  const Mapping m(ctx, node, what,
                  {"service", "port", "path", "method", "headers", "probability", "requestBytes",
                   "responseBytes", "timeout", "retries", "onFailure", "deadline",
                   "propagateDeadline"});
  if (!m.is_mapping()) return std::nullopt;
  models::CallStep call;
  CallSite site;
  site.where = m.where();
  bool ok = true;
  if (auto s = m.required_string("service")) {
    call.service = *s;
    site.where_service = m.where("service");
  } else {
    ok = false;
  }
  site.where_port = site.where;
  if (m.has("port")) {
    if (auto p = m.integer("port", 1, 65535)) {
      call.port = static_cast<uint32_t>(*p);
      site.where_port = m.where("port");
      site.port_given = true;
    } else {
      ok = false;
    }
  }
  if (m.has("path")) {
    if (auto p = read_path_prefix(m, "path"))
      call.path = *p;
    else
      ok = false;
  }
  if (auto method = m.string("method")) {
    std::transform(method->begin(), method->end(), method->begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    call.method = *method;
  }
  if (m.has("headers")) {
    if (auto h = m.headers("headers"))
      call.headers = *h;
    else
      ok = false;
  }
  if (m.has("probability")) {
    if (auto p = m.number("probability", 0, 1))
      call.probability = *p;
    else
      ok = false;
  }
  if (m.has("requestBytes")) {
    if (auto b = m.integer("requestBytes", 0, kMaxBytes))
      call.request_bytes = *b;
    else
      ok = false;
  }
  if (m.has("responseBytes")) {
    if (auto b = m.integer("responseBytes", 0, kMaxBytes))
      call.response_bytes = *b;
    else
      ok = false;
  }
  if (m.has("timeout")) {
    if (auto t = read_duration(ctx, m.get("timeout"), "timeout", DurationRule::kPositive)) {
      call.timeout = *t;
    } else {
      ok = false;
    }
  }
  if (m.has("retries")) {
    if (auto r = m.integer("retries", 0, kMaxRetries))
      call.retries = static_cast<uint32_t>(*r);
    else
      ok = false;
  }
  if (m.has("onFailure")) {
    if (auto f = read_enum(ctx, m.get("onFailure"), "onFailure", {"fail", "degrade", "ignore"})) {
      call.on_failure = *f == "fail"      ? models::OnFailure::kFail
                        : *f == "degrade" ? models::OnFailure::kDegrade
                                          : models::OnFailure::kIgnore;
    } else {
      ok = false;
    }
  }
  if (m.has("deadline")) {
    if (auto t = read_duration(ctx, m.get("deadline"), "deadline", DurationRule::kPositive))
      call.deadline = *t;
    else
      ok = false;
  }
  if (m.has("propagateDeadline")) {
    if (auto b = m.boolean("propagateDeadline"))
      call.propagate_deadline = *b;
    else
      ok = false;
  }
  if (!ok) return std::nullopt;
  calls.push_back(site);
  return call;
}

std::optional<models::Step> read_step(const Context& ctx, const YAML::Node& node,
                                      const std::string& owner, std::vector<CallSite>& calls) {
  const Mapping m(ctx, node, "step of " + owner, {"compute", "call", "parallel"});
  if (!m.is_mapping()) return std::nullopt;
  const auto kinds = m.present({"compute", "call", "parallel"});
  if (kinds.size() != 1) {
    if (kinds.empty() && m.misspelt_any({"compute", "call", "parallel"})) return std::nullopt;
    ctx.report(
        Code::kExactlyOneOf, node,
        {"a step", "'compute', 'call' or 'parallel'", kinds.empty() ? "none" : quote_join(kinds)});
    return std::nullopt;
  }
  if (kinds[0] == "compute") {
    auto d = read_distribution(ctx, m.get("compute"), "compute");
    if (!d) return std::nullopt;
    return models::ComputeStep{*d};
  }
  if (kinds[0] == "call") {
    auto c = read_call(ctx, m.get("call"), owner, calls);
    if (!c) return std::nullopt;
    return *c;
  }
  const YAML::Node list = m.get("parallel");
  if (!list.IsSequence() || list.size() == 0) {
    ctx.report(Code::kWrongType, list,
               {"parallel", "a non-empty list of {call: ...}", describe(list)});
    return std::nullopt;
  }
  models::ParallelStep par;
  bool ok = true;
  for (auto it = list.begin(); it != list.end(); ++it) {
    const Mapping item(ctx, *it, "parallel step of " + owner, {"call"});
    if (!item.is_mapping()) {
      ok = false;
      continue;
    }
    const YAML::Node c = item.require("call");
    if (!c.IsDefined()) {
      ok = false;
      continue;
    }
    if (auto call = read_call(ctx, c, owner, calls))
      par.calls.push_back(*call);
    else
      ok = false;
  }
  if (!ok) return std::nullopt;
  return par;
}

}  // namespace

std::optional<std::vector<models::HandlerConfig>> read_handlers(const Context& ctx,
                                                                const YAML::Node& node,
                                                                const std::string& owner,
                                                                std::vector<CallSite>& calls) {
  if (!node.IsSequence()) {
    ctx.report(Code::kWrongType, node, {"handlers", "a list of handlers", describe(node)});
    return std::nullopt;
  }
  std::vector<models::HandlerConfig> out;
  bool ok = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const Mapping m(ctx, *it, "handler of " + owner,
                    {"path", "steps", "errorProbability", "errorStatus", "errorGrpcStatus",
                     "responseBytes"});
    if (!m.is_mapping()) {
      ok = false;
      continue;
    }
    models::HandlerConfig h;
    if (m.has("path")) {
      if (auto p = read_path_prefix(m, "path"))
        h.path_prefix = *p;
      else
        ok = false;
    }
    if (m.has("errorProbability")) {
      if (auto p = m.number("errorProbability", 0, 1))
        h.error_probability = *p;
      else
        ok = false;
    }
    if (m.has("errorStatus")) {
      if (auto s = m.integer("errorStatus", 100, 599))
        h.error_status = static_cast<uint32_t>(*s);
      else
        ok = false;
    }
    if (m.has("errorGrpcStatus")) {
      if (auto g = read_grpc_status(ctx, m.get("errorGrpcStatus"), "errorGrpcStatus"))
        h.error_grpc_status = *g;
      else
        ok = false;
    }
    if (m.has("responseBytes")) {
      if (auto b = m.integer("responseBytes", 0, kMaxBytes))
        h.response_bytes = *b;
      else
        ok = false;
    }
    if (const YAML::Node steps = m.get("steps"); steps.IsDefined()) {
      if (!steps.IsSequence()) {
        ctx.report(Code::kWrongType, steps, {"steps", "a list of steps", describe(steps)});
        ok = false;
      } else {
        for (auto s = steps.begin(); s != steps.end(); ++s) {
          if (auto step = read_step(ctx, *s, owner, calls))
            h.steps.push_back(std::move(*step));
          else
            ok = false;
        }
      }
    }
    out.push_back(std::move(h));
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace meshsim::scenarios::internal
