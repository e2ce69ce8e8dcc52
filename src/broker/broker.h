#pragma once
// The accountability workflow as use cases: actors, approval rules, tasks and
// approvals, mandates (issue, attenuate), runtime decisions, outcomes,
// revocation, break-glass reviews, policies and entity data. Edges (CLI,
// server) authenticate the caller and call these; nothing here knows about
// arguments, HTTP or files.
//
// Every method that changes something writes exactly one ledger entry and
// the state records it explains in one durable transaction, and returns only
// after that commit (invariant 4). Invalid input throws Error{bad_input}
// (or not_found) before anything is written (invariant 6).
#include <array>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/records.h"
#include "core/time.h"

namespace mandate::store {
class Store;
}
namespace mandate::ledger {
class ClaimRegister;
class Ledger;
}
namespace mandate::token {
struct MandateClaims;
}
namespace mandate::keys {
class SharedKeyring;
}

namespace mandate::broker {

class PolicyContextCache;  // policy_context.h
class TaskTurns;           // internal/task_turns.h
class RememberedUses;     // internal/remembered_uses.h
class DecisionRetries;    // internal/decision_retries.h

// What kind of caller acts: a registered actor of the home, the home's
// operator, or a presenter whose possession of a mandate was not proven.
enum class CallerKind {
  human,
  workload,
  agent,
  home_operator,    // the operator of a home (the CLI on a local home, setup)
  unauthenticated,  // a presenter not (yet) proven: a decision that failed first
};

// The kind as the ledger records it (an entry's actor.kind, the asked_by of a
// decision): human | workload | agent | system. Both the operator and an
// unproven presenter are recorded as "system", as they always were.
std::string_view to_string(CallerKind kind);
// The caller kind of a registered actor of that kind.
CallerKind caller_kind(core::ActorKind kind);
// Who may ask for general decisions (AuthZEN): the operator of the home and
// workloads (resource servers, gateways). Humans and agents are refused:
// they present mandates, they do not judge them. The one rule: the server
// applies it when it admits a caller (after finding the caller a
// registered, active actor), and authzen::Service checks the same rule on
// the kind it is given, without a second lookup.
bool may_ask_decisions(CallerKind kind);

// Who is calling, and how that was proven. The CLI on a local home asserts
// identities as the operator ("local-operator"); the server fills in what
// it verified (an OIDC issuer, a SPIFFE SVID, ...). The ledger records both.
struct Caller {
  std::string actor_id;
  CallerKind kind = CallerKind::human;
  std::string authenticated_by = "local-operator";
};

struct Settings {
  std::string issuer;    // the mandates' `iss`
  // The home's default audience: a task that names no resource server is
  // for this one, and a decision that states no audience is for it.
  std::string audience;
  std::chrono::seconds clock_skew{30};
  std::chrono::seconds proof_max_age{60};
  std::uint32_t max_delegation_depth = core::kDefaultMaxDelegationDepth;
  // How long a rotated-out signing key still verifies mandates: long enough
  // for the mandates it signed to run out, no longer.
  std::chrono::seconds key_grace{std::chrono::hours(1)};
};

using Clock = std::function<core::Timestamp()>;
Clock system_clock();

struct TaskRequest {
  std::string intent;
  std::optional<std::string> ref;
  std::string executor;
  core::Scope scope;
  std::chrono::seconds duration{0};
  // The resource servers the work is for (RFC 8707 resource indicators or
  // registered resource-server ids); empty: the home's default audience.
  std::vector<std::string> audience{};
};

struct Recorded {
  std::uint64_t ledger_index = 0;
};

struct TaskView {
  TaskRecord record;
  std::vector<core::Approval> approvals;
  std::vector<MandateRecord> mandates;
  std::string rule_status;  // pending | satisfied | denied
};

struct IssuedMandate {
  std::string token;  // the credential itself: returned once, never stored
  MandateRecord record;
  std::uint64_t ledger_index = 0;
};

// The HTTP request a presenter made to a resource server, as that server
// received it: its DPoP proof names these (RFC 9449 htm and htu).
struct HttpRequest {
  std::string method;
  std::string uri;
};

// A tool call an AI agent makes through the MCP gateway (src/mcp). It is
// decided as the action kToolCallAction on the resource "mcp:<server>/<tool>"
// (tool_call_resource): in scope only under an `mcp` authorization detail
// naming the server (locations) and the tool (actions), whose argument
// constraints the arguments meet (tool_scope.h); in Cedar with
// context.arguments, context.server and context.tool. A deny whose every
// determining policy carries @approval holds the call for a person: see
// HeldCall.
struct ToolCall {
  std::string server;
  std::string tool;
  nlohmann::json arguments = nlohmann::json::object();
  std::string session;  // the MCP session it came in ("" none): the trace groups by it
  // How long a call held for a person's approval waits, and how long the
  // approval then lasts.
  std::chrono::seconds hold_for{std::chrono::minutes(15)};
};
inline constexpr const char* kToolCallAction = "mcp:call";
std::string tool_call_resource(const std::string& server, const std::string& tool);
// What the ledger keeps of a call's arguments: the hex SHA-256 of their
// canonical JSON (RFC 8785), never their values. Error{bad_input} when they
// have no canonical form.
std::string arguments_digest(const nlohmann::json& arguments);

// A call held for a person: the task that asks for it, bound to {agent, its
// task, server, tool, argument digest, policy set}, approved as any task is
// (mandate approve, the console). Only that same call, once, before
// expires_at, then runs.
struct HeldCall {
  std::string task_id;
  bool created = false;  // held by this very decision (else it was waiting already)
  core::Timestamp expires_at{};
};

struct DecisionRequest {
  std::string token;
  std::string proof;
  std::string action;
  std::string resource;
  std::string context_json = "{}";
  std::optional<std::string> traceparent;
  // For certificate-bound mandates: the x5t#S256 of the client certificate
  // the presenter authenticated with, as the party that terminated its mTLS
  // saw it. A certificate-bound mandate needs this instead of a proof.
  std::optional<std::string> certificate_thumbprint;
  // The resource server deciding: the mandate's aud must name it. Unset:
  // the asking caller's actor id when a caller asks, else the home's
  // default audience.
  std::optional<std::string> audience{};
  // Set when the mandate came with an HTTP request: the proof is then a
  // standard DPoP proof of that request. Unset: mandate's action profile
  // (htm = action, htu = resource), for executors that make no HTTP request.
  std::optional<HttpRequest> http_request{};
  // The action's properties (AuthZEN action.properties): the action
  // entity's attributes for this decision only, as on the general path.
  nlohmann::json action_properties = nlohmann::json::object();
  // Set by the MCP gateway: action and resource are then kToolCallAction and
  // tool_call_resource(server, tool).
  std::optional<ToolCall> tool_call{};
};

struct DecisionResult {
  bool allow = false;
  // The fixed check that failed ("signature", "revocation", "proof", "scope",
  // ...), or "policy" when the checks passed and Cedar decided.
  std::string decided_by;
  std::vector<std::string> reasons;  // the failure, or the determining policies
  std::vector<std::string> policy_errors;
  std::string policy_set_hash;
  std::string mandate_id;
  std::string task_id;
  std::uint64_t ledger_index = 0;
  // A tool call: held for a person's approval (decided_by "approval"), or
  // allowed on the approval of that held task (approval_task).
  std::optional<HeldCall> held{};
  std::optional<std::string> approval_task{};
  std::string executor;  // the mandate's executor, once its token verified
  Caller presenter{"unverified-presenter", CallerKind::unauthenticated, "unverified"};  // as far as proven
};

// What a tool call's result was, reported by the gateway after the MCP
// server answered an allowed call: recorded against that decision. Only the
// digest of the result is kept (it may hold anything the tool returned).
struct ToolResult {
  std::uint64_t decision_index = 0;
  std::string mandate_id;
  std::string task_id;
  Caller presenter;  // the agent, as its decision proved it
  std::string server;
  std::string tool;
  bool is_error = false;   // the tool's own isError, or a JSON-RPC error from the server
  std::string result_sha256;  // of the canonical JSON result (or error) the server sent
  std::optional<std::string> approval_task;  // the held call this decision ran: it ends here
  std::optional<std::string> traceparent;
};

// A presenter checked without recording anything (the MCP gateway admitting
// an agent's session, listing its tools): the decision's checks up to
// possession, no scope or policy, and the proof not remembered. Every tool
// call is still decided and recorded in full.
struct PresentationCheck {
  bool valid = false;
  std::string failed_check;  // when not valid
  std::string reason;
  std::string mandate_id;
  std::string task_id;
  std::string executor;
  core::ActorKind executor_kind = core::ActorKind::agent;
  core::Scope scope;
};

// A general Cedar decision (the AuthZEN decision point, src/authzen): the
// caller names the entities; `attributes` (Cedar entity-JSON values) replace
// or add attributes of the stored entity for this decision only, or stand
// in for an entity that is not stored. Parents always come from the store.
struct EntityRef {
  std::string type;  // a Cedar entity type, namespaced as written in Cedar: "Todo::User"
  std::string id;
  nlohmann::json attributes = nlohmann::json::object();
};

struct Evaluation {
  EntityRef principal;
  EntityRef action;  // type "Action" (or "Ns::Action"); attributes: the action's for this request
  EntityRef resource;
  nlohmann::json context = nlohmann::json::object();
  std::optional<std::string> traceparent;
};

// The ledger entry type of a mandate-bound decision (authorize).
inline constexpr std::string_view kDecisionEntry = "decision";
// The ledger entry types of AuthZEN's decisions and searches: most entries
// under load, and never about a task (followers of task entries skip them).
inline constexpr std::string_view kEvaluationEntry = "evaluation";
inline constexpr std::string_view kSearchEntry = "search";
inline constexpr std::array<std::string_view, 2> kEntryTypesAboutNoTask{kEvaluationEntry, kSearchEntry};

struct EvaluationResult {
  bool allow = false;
  std::vector<std::string> reasons;  // determining policies, or why nothing could decide
  std::vector<std::string> policy_errors;
  std::string policy_set_hash;
  std::uint64_t ledger_index = 0;
};

// Which entities a decision would allow: the one element of `pattern`
// named by `find` is the unknown (its type kept, its id ignored; for
// actions, every action the policies or entities know).
struct Search {
  enum class Find { principal, action, resource };
  Find find = Find::principal;
  Evaluation pattern;
};

struct SearchResult {
  std::vector<EntityRef> matches;  // sorted by type, then id
  std::string policy_set_hash;
  std::uint64_t ledger_index = 0;
};

struct PendingReview {
  TaskRecord task;
  bool overdue = false;
};

// How far one rule of a task has got ("1 of 2 from sre").
struct RuleProgress {
  std::string rule;
  std::string status;  // pending | satisfied | denied
  std::uint32_t approvals_have = 0;
  std::uint32_t approvals_need = 0;
  std::vector<std::string> groups;  // empty: any human separation of duties allows
};

// A requested task a person may decide on now (Broker::waiting_for).
struct AwaitingDecision {
  TaskRecord task;
  std::optional<core::Actor> executor;  // as registered; nullopt if it is gone
  std::vector<RuleProgress> rules;
};

// Which tasks to list; a field left unset matches every task.
struct TaskFilter {
  std::optional<std::string> initiator;
  std::optional<std::string> executor;
  std::optional<std::string> approver;  // recorded an approval or a denial on the task
  std::optional<std::string> resource;  // named by a detail of the scope (resources or locations)
  std::vector<core::TaskState> states;  // any of them; empty: every state
  std::optional<core::Timestamp> since;  // created at or after
  std::optional<core::Timestamp> until;  // created before
};

// Which recorded decisions to find, newest first.
struct DecisionQuery {
  std::optional<std::string> task;
  std::optional<std::string> executor;  // the executor of the mandate presented
  std::optional<std::string> resource;  // exactly the resource asked about
  std::optional<core::Timestamp> since;
  std::optional<core::Timestamp> until;
  std::size_t limit = 100;
};

struct FoundDecision {
  std::uint64_t ledger_index = 0;
  std::string executor;  // of the mandate presented; empty when no mandate of ours verified
  nlohmann::json entry;  // the ledger entry as recorded
};

class Broker {
 public:
  struct PolicyContext;  // parsed policy set + entities, cached between decisions (policy_context.h)
  Broker(store::Store& store, ledger::Ledger& ledger, const keys::SharedKeyring& keyring, Settings settings,
         Clock clock = system_clock());
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Actors. `public_key` is a JWK or PEM; workloads and agents need one to
  // receive mandates. Offboarding revokes every live mandate the actor
  // executes, and those of every actor it owns.
  Recorded add_actor(const Caller& caller, const core::Actor& actor, const std::optional<std::string>& public_key);
  std::vector<ActorRecord> actors();
  ActorRecord actor(const std::string& id);
  Recorded suspend_actor(const Caller& caller, const std::string& id, const std::string& reason);
  struct Offboarded {
    std::uint64_t ledger_index = 0;
    std::vector<std::string> revoked_mandates;
  };
  Offboarded offboard_actor(const Caller& caller, const std::string& id, const std::string& reason);

  // Approval rules: replaces the whole set; the text is recorded verbatim.
  Recorded load_rules(const Caller& caller, const std::vector<core::ApprovalRule>& rules, const std::string& text);
  std::vector<core::ApprovalRule> rules();

  // Tasks and approvals.
  struct TaskCreated {
    std::string task_id;
    std::vector<std::string> rules;
    std::uint64_t ledger_index = 0;
  };
  TaskCreated request_task(const Caller& caller, const TaskRequest& request);
  TaskView task(const std::string& id);
  std::vector<TaskRecord> tasks();  // oldest first
  std::vector<TaskRecord> tasks(const TaskFilter& filter);
  // The requested tasks `approver` may approve or deny now, under the rule
  // approve() and deny() enforce (never their own, never as the executor,
  // not twice, only from an approver group), where a rule not yet
  // satisfied would count their approval. Oldest first.
  std::vector<AwaitingDecision> waiting_for(const std::string& approver);
  struct ApprovalRecorded {
    std::string task_state;
    std::string rule_status;
    std::uint64_t ledger_index = 0;
  };
  ApprovalRecorded approve(const Caller& caller, const std::string& task_id, const std::string& comment);
  ApprovalRecorded deny(const Caller& caller, const std::string& task_id, const std::string& reason);
  // By the initiator or an eligible approver, before or during the work:
  // cancelling an active task revokes every mandate of it in the same step.
  struct Cancelled {
    std::uint64_t ledger_index = 0;
    std::vector<std::string> revoked_mandates;
  };
  Cancelled cancel(const Caller& caller, const std::string& task_id, const std::string& reason);

  // Mandates. A mandate is bound to the executor's registered key (cnf.jkt,
  // DPoP-style proofs), or, when `certificate_thumbprint` is given (the
  // executor called over mTLS), to that client certificate (RFC 8705
  // cnf.x5t#S256).
  // `audience` narrows the mandate to some of the task's resource servers
  // (RFC 8707 `resource`); empty: all of them. A mandate's uses are what is
  // left of the task's use budget, at most the rules' max_uses.
  IssuedMandate issue(const Caller& caller, const std::string& task_id,
                      const std::optional<std::string>& certificate_thumbprint = std::nullopt,
                      const std::vector<std::string>& audience = {});
  struct Attenuation {
    std::string parent_token;
    std::string parent_proof;  // the parent's holder proves possession (action "mandate:attenuate")
    std::optional<std::string> executor;  // the downstream workload; default the parent's executor
    core::Scope scope;
    std::chrono::seconds ttl{0};
    std::optional<std::uint32_t> max_uses;  // default: what is left of the parent's
    std::vector<std::string> audience;      // default: the parent's
  };
  IssuedMandate attenuate(const Attenuation& request);
  Recorded revoke_mandate(const Caller& caller, const std::string& jti, const std::string& reason);
  // RFC 7662: is this token a live mandate of ours right now, and its
  // claims (the verified JWT payload) when it is. Records nothing.
  struct Introspection {
    bool active = false;
    std::string jti;            // when the token verified, active or not
    std::string payload_json;   // the claims, when active
    std::string inactive_because;
  };
  Introspection introspect(const std::string& token);

  // The runtime decision (invariant 3). A malformed request (not a JWS, bad
  // context JSON) throws bad_input and records nothing; every decision on a
  // well-formed request, allow or deny, is recorded before it is returned.
  DecisionResult authorize(const DecisionRequest& request);
  // The same, recording also who asked (a resource server checking a
  // presented mandate on the executor's behalf).
  DecisionResult authorize(const DecisionRequest& request, const std::optional<Caller>& asked_by);
  // The same for a caller that must not wait (a network thread). False,
  // with nothing done, when deciding could wait: a tool call (it may be
  // held), a policy set not checked lately, another decision on the same
  // task in flight in this process (unless given `resume`, below), and on a store whose reads go over the
  // network anything not decidable from memory alone (the mandate's state
  // and use counts remembered, the seen proofs loaded; a deny, which is
  // decided on fresh reads). Else true, and `done` is told the recorded decision, or the
  // error, on the thread that committed it; it must not block or throw.
  // A commit that finds a record moved decides again there, on fresh
  // state. Bad input throws before anything is decided, as authorize does.
  // Given `resume` (which runs a task later on a thread that must not wait
  // either), a decision whose task's turn is taken does not give up: it
  // waits for its turn holding no thread, is then decided through `resume`,
  // and where that cannot be done from memory, on the thread that decides
  // conflicts again.
  using DecisionDone = std::function<void(const DecisionResult* result, std::exception_ptr error)>;
  using Resume = std::function<void(std::function<void()> task)>;
  bool authorize_without_waiting(const DecisionRequest& request, const std::optional<Caller>& asked_by,
                                 DecisionDone done, Resume resume = {});
  // The checks of authorize() up to possession (signature, issuer, time,
  // audience, revocation, uses, proof), recording nothing.
  PresentationCheck check_presentation(const DecisionRequest& request);
  // Of these (server, tool) pairs, which a tool call by this presentation
  // could be allowed: the mandate's scope names it (whatever its argument
  // constraints), some permit policy's scope matches it, and no forbid
  // without conditions or @approval does. Records nothing.
  std::vector<bool> tools_in_reach(const PresentationCheck& presenter,
                                   const std::vector<std::pair<std::string, std::string>>& tools);
  // After an allowed tool call ran: its result's digest, against its
  // decision; a held call's task ends with it (completed).
  Recorded record_tool_result(const ToolResult& result);

  // General Cedar decisions over the registered entities and policy set
  // (evaluations.cc), for callers admitted under may_ask_decisions. Each
  // decision or search is recorded durably before it returns, and shares
  // its commit with concurrent ones. No policy set loaded: deny, and say so.
  // Malformed entity values or context throw bad_input; nothing is written.
  SearchResult search(const Caller& caller, const Search& request);
  // The policy set and entities as they are now, held for one request that
  // decides several things (an AuthZEN batch): all its items are decided
  // against the same version, which is fetched once.
  class PolicySnapshot {
    friend class Broker;
    explicit PolicySnapshot(std::shared_ptr<const PolicyContext> context) : context_(std::move(context)) {}
    std::shared_ptr<const PolicyContext> context_;
  };
  PolicySnapshot policy_snapshot();
  // The snapshot policy_snapshot() would give when that needs no store read
  // (the cache was checked within the last 100 ms); nothing otherwise. For
  // callers that must not wait, such as a handler on a network thread.
  std::optional<PolicySnapshot> policy_snapshot_if_checked();
  EvaluationResult evaluate(const PolicySnapshot& snapshot, const Caller& caller, const Evaluation& request);
  // A batch's two halves: decide each item (nothing recorded, ledger_index
  // unset; bad input throws), then record the decided ones in one group of
  // entries, one durable commit, which fills in their ledger_index.
  EvaluationResult decide_evaluation(const PolicySnapshot& snapshot, const Evaluation& request);
  // evaluate() without waiting for the disk: decides now (bad input throws
  // here, nothing recorded), and `done` gets the result once its entry is
  // durable, or the error that kept it from being written (never both), on
  // the thread that committed it. `done` must not block or throw.
  using EvaluationDone = std::function<void(const EvaluationResult* result, std::exception_ptr error)>;
  void evaluate_async(const PolicySnapshot& snapshot, const Caller& caller, const Evaluation& request, EvaluationDone done);
  void record_evaluations(const Caller& caller, std::span<const Evaluation> requests, std::span<EvaluationResult> results);
  // A registered actor's kind and lifecycle state as the cached policy
  // context knows them (every actor is an entity there): what an edge needs
  // to admit a caller, without a store read. Changes made through this
  // broker show at once; changes by another process on the same home within
  // the context's re-check interval. nullopt: no such actor.
  struct ActorStanding {
    core::ActorKind kind;
    core::LifecycleState state;
  };
  std::optional<ActorStanding> actor_standing(const std::string& id);

  // Outcome: records it, ends the task and revokes all its mandates.
  Recorded complete(const Caller& caller, const std::string& task_id, core::OutcomeResult result,
                    const std::string& result_digest);

  // Break-glass: a task issued at once where a rule allows it.
  struct BreakGlass {
    TaskCreated task;
    IssuedMandate mandate;
  };
  BreakGlass break_glass(const Caller& caller, const TaskRequest& request, const std::string& reason);
  std::vector<PendingReview> pending_reviews();
  Recorded approve_review(const Caller& caller, const std::string& task_id, const std::string& comment);

  // Cedar policies and entity data for the policy step of authorize().
  struct PolicySetLoaded {
    std::string hash;
    std::size_t policies = 0;
    std::uint64_t ledger_index = 0;
  };
  PolicySetLoaded load_policies(const Caller& caller, const std::string& text, const std::vector<std::string>& sources);
  Recorded load_entities(const Caller& caller, const std::string& text);

  // Ledger indices of every entry about a task, in order.
  std::vector<std::uint64_t> task_entries(const std::string& task_id);
  // Recorded decisions, newest first, at most query.limit, read from the
  // ledger (a task's own entries when the query names one). Records nothing.
  std::vector<FoundDecision> decisions(const DecisionQuery& query);

  core::Timestamp now() const { return clock_(); }
  const Settings& settings() const { return settings_; }

  struct VerifiedToken;  // a token whose signature was checked, cached by hash
  struct Presentation;   // what a decision's checks established (decision_checks.h)
  struct DecisionState;  // what they read about one mandate (decision_checks.h)
  struct Failure;        // the check that failed, and why
  struct DecisionCall;   // a decision request's parts every attempt at it uses (decisions.cc)

 private:
  store::Store& store_;
  ledger::Ledger& ledger_;
  // Replaced underneath while the server runs (a reload of keys/): each
  // use takes one snapshot, so a mandate is signed and recorded with one key.
  const keys::SharedKeyring& keyring_;
  Settings settings_;
  Clock clock_;
  std::shared_ptr<const VerifiedToken> verified_token(const std::string& token, const std::string& token_hash,
                                                     core::Timestamp at, std::optional<Failure>& failure);
  std::shared_ptr<const DecisionState> decision_state(const token::MandateClaims& claims, bool remembered,
                                                     bool& was_remembered);
  struct AsyncDecision;  // an authorize_without_waiting call between its attempts
  DecisionCall decision_call(const DecisionRequest& request, const std::optional<Caller>& asked_by) const;
  // One attempt without waiting, its commit's callback deciding again on a
  // conflict; `fresh` reads the state instead of using a remembered one.
  // `memory_only` (a store whose reads wait, on a thread that must not):
  // false, with nothing done, where the attempt would have to read.
  bool decide_without_waiting(const std::shared_ptr<AsyncDecision>& call,
                              std::shared_ptr<const PolicyContext> context, bool fresh, bool memory_only);
  // A decision that waited for its task's turn, now that it has it: decided
  // from memory here, or else on the retry thread.
  void decide_in_turn(const std::shared_ptr<AsyncDecision>& call, bool memory_only);
  // Decides `call` again on the retry thread, where reads may wait; an
  // error goes to its `done`.
  void decide_on_retry_thread(const std::shared_ptr<AsyncDecision>& call);
  // The mandate's remembered state, or nullptr; reads nothing.
  std::shared_ptr<const DecisionState> remembered_state(const token::MandateClaims& claims);
  static constexpr std::uint64_t kDecisionConflict = ~std::uint64_t{0};
  std::uint64_t record_decision(const DecisionCall& call, core::Timestamp at, const Presentation& p,
                                const DecisionResult& result);

  std::unique_ptr<PolicyContextCache> policy_cache_;
  std::mutex cache_mu_;  // guards verified_tokens_ and decision_states_
  // Decisions on one task all move its use count: in this process they take
  // turns (the task's own, never another's) from their reads to their commit,
  // instead of racing and deciding again. Other processes still race, and
  // the commit's version checks settle it.
  std::unique_ptr<TaskTurns> task_turns_;
  // Use counts as this process last read or committed them, recalled by a
  // decision on a remembered state (internal/remembered_uses.h).
  std::unique_ptr<RememberedUses> remembered_uses_;
  // Where reads wait, conflicts of decisions made without waiting are
  // decided again here, off the committing thread.
  std::unique_ptr<DecisionRetries> retries_;
  // Read once: noted by the first broker to open the home (seen_proofs.h).
  std::optional<core::Timestamp> proofs_kept_by_jti_alone_until_;
  // The proofs decisions accepted, held while they could be presented
  // again (internal/replay_window.h); one per ledger.
  std::shared_ptr<ledger::ClaimRegister> seen_proofs_;
  // The mandate's decision state as stored now.
  std::shared_ptr<const DecisionState> read_state(const token::MandateClaims& claims);
  std::unordered_map<std::string, std::shared_ptr<const VerifiedToken>> verified_tokens_;
  std::unordered_map<std::string, std::shared_ptr<const DecisionState>> decision_states_;  // by mandate jti
};

}  // namespace mandate::broker
