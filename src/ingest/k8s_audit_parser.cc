// Kubernetes audit events (audit.k8s.io/v1 Event, one per line). The chain
// is read from the record: impersonatedUser acted, user impersonated it.
#include "ingest/internal/json_reader.h"
#include "ingest/internal/record_parser.h"
#include "ingest/internal/signals.h"

namespace mandate::ingest {
namespace {

using core::CredentialKind;
using core::EventResult;
using core::PrincipalKind;
using core::Relation;

PrincipalKind kind_of(std::string_view username) {
  if (username.starts_with("system:serviceaccount:") || username.starts_with("system:node:")) {
    return PrincipalKind::workload;
  }
  if (username == "system:anonymous") return PrincipalKind::unknown;
  // The cluster administrator's client certificate: a person at kubectl.
  if (username == "system:admin" || username == "kubernetes-admin") return PrincipalKind::human;
  // system:kube-controller-manager, system:kube-scheduler, system:apiserver…
  if (username.starts_with("system:")) return PrincipalKind::service;
  return PrincipalKind::human;
}

CredentialKind credential_of(std::string_view username) {
  if (username.starts_with("system:serviceaccount:")) return CredentialKind::service_account_token;
  return CredentialKind::certificate;
}

EventResult result_of(JsonReader& r) {
  const std::string_view decision = r.text("/annotations/authorization.k8s.io~1decision");
  if (decision == "forbid") return EventResult::denied;
  const auto code = r.integer("/responseStatus/code");
  if (!code) return EventResult::unknown;
  if (*code == 401 || *code == 403) return EventResult::denied;
  // 101 Switching Protocols is an exec, attach or port-forward stream opened.
  return *code >= 101 && *code < 400 ? EventResult::success : EventResult::failure;
}

std::string resource_of(JsonReader& r) {
  std::string out;
  const std::string_view ns = r.text("/objectRef/namespace");
  if (!ns.empty()) out = "namespaces/" + std::string(ns) + "/";
  out += r.text("/objectRef/resource");
  const std::string_view name = r.text("/objectRef/name");
  if (!name.empty()) out += "/" + std::string(name);
  const std::string_view sub = r.text("/objectRef/subresource");
  if (!sub.empty()) out += "/" + std::string(sub);
  if (out.empty()) out = std::string(r.text("/requestURI"));
  return out;
}

class K8sAuditParser final : public RecordParser {
 public:
  void parse(simdjson::dom::element record, const std::string& origin, ParseSink& sink) override {
    if (!record.is_object()) return sink.refuse(origin, "an audit event must be a JSON object");
    JsonReader r(record);
    const std::string_view kind = r.text("/kind");
    const std::string_view api = r.text("/apiVersion");
    if (!r.ok()) return sink.refuse(origin, r.error());
    // Some captures (Falco's test traces) drop apiVersion; kind is enough then.
    if (kind != "Event" || (!api.empty() && !api.starts_with("audit.k8s.io/"))) {
      return sink.refuse(origin, "not an audit.k8s.io Event (kind \"" + std::string(utf8_prefix(kind, 40)) + "\")");
    }
    // The ResponseComplete stage records the same request with its result.
    if (r.text("/stage") == "RequestReceived") return sink.skip("a RequestReceived stage: the same request is kept at its response");
    core::AuditEvent e;
    e.source = "k8s-audit";
    auto time = r.time("/stageTimestamp");
    if (!time && r.ok()) time = r.time("/requestReceivedTimestamp");
    if (!time && r.ok()) time = r.time("/timestamp");  // audit.k8s.io/v1alpha1 and early v1
    const std::string_view user = r.text("/user/username");
    const std::string_view verb = r.text("/verb");
    const std::string_view impersonated = r.text("/impersonatedUser/username");
    if (!r.ok()) return sink.refuse(origin, r.error());
    if (!time) return sink.refuse(origin, "missing stageTimestamp");
    if (user.empty()) return sink.refuse(origin, "missing user.username");
    e.time = *time;
    if (!impersonated.empty()) {
      e.actor = {std::string(impersonated), kind_of(impersonated), {}};
      e.chain.push_back({Relation::impersonated_by, {std::string(user), kind_of(user), {}}});
    } else {
      e.actor = {std::string(user), kind_of(user), {}};
    }
    const auto credential_id = r.texts("/user/extra/authentication.kubernetes.io~1credential-id");
    e.credential = credential_id.empty() ? std::string() : std::string(credential_id.front());
    e.credential_kind = credential_of(user);
    const auto pod = r.texts("/user/extra/authentication.kubernetes.io~1pod-name");
    if (!pod.empty()) e.resource = std::string(pod.front());
    e.action = std::string(verb) + " " + std::string(r.text("/objectRef/resource"));
    const std::string_view sub = r.text("/objectRef/subresource");
    if (!sub.empty()) e.action += "/" + std::string(sub);
    e.resource = resource_of(r);
    e.result = result_of(r);
    const auto ips = r.texts("/sourceIPs");
    if (!ips.empty()) e.source_address = std::string(ips.front());
    e.user_agent = std::string(r.text("/userAgent"));
    // kubectl is a person at a terminal far more often than a program.
    e.interactive = e.user_agent.starts_with("kubectl/");
    k8s_audit_signals(r, e);
    if (!r.ok()) return sink.refuse(origin, r.error());
    e.source_id = std::string(r.text("/auditID"));
    e.origin = origin;
    // A Secret's data never goes into the store, even base64-encoded; nor
    // the token a TokenRequest (serviceaccounts/token) returns in its response.
    const bool secret = r.text("/objectRef/resource") == "secrets";
    const bool token = r.text("/objectRef/resource") == "serviceaccounts" && sub == "token";
    if (secret) {
      e.raw = sink.stored.write(record, {"requestObject", "responseObject"});
    } else {
      e.raw = token ? sink.stored.write(record, {"responseObject"}) : sink.stored.write(record);
    }
    e.id = event_id(e.source, e.raw);
    sink.add(std::move(e));
  }
};

}  // namespace

std::unique_ptr<RecordParser> make_k8s_audit_parser() { return std::make_unique<K8sAuditParser>(); }

}  // namespace mandate::ingest
