// Issuing and verifying mandate tokens: the round trip, the wire format,
// and every rejection, each with the check it must report.
#include <gtest/gtest.h>

#include <functional>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "encoding/base64.h"
#include "token/jws.h"
#include "token/mandate_token.h"
#include "token_fixtures.h"

namespace mandate::token {
namespace {

using namespace testing;
using Json = nlohmann::json;

class MandateTokenTest : public ::testing::Test {
 protected:
  keys::SigningKey issuer{crypto::Ed25519PrivateKey::generate()};
  PublicKey issuer_public = PublicKey::from_signing_key(issuer);
  PrivateKey executor = PrivateKey::generate(Algorithm::ES256);
  MandateClaims claims = sample_claims(executor.public_key());
  KeyLookup lookup = lookup_of({issuer_public});

  std::string issue() const { return issue_mandate_token(claims, issuer); }

  std::expected<MandateClaims, TokenRejection> verify(std::string_view token,
                                                      core::Timestamp now = test_now() + std::chrono::seconds(1)) const {
    return verify_mandate_token(token, lookup, options_at(now));
  }

  // The issued token's header and payload, for tests that change them and sign again.
  std::pair<Json, Json> parts() const {
    auto decoded = decode_compact(issue());
    EXPECT_TRUE(decoded.has_value());
    return {decoded->header, decoded->payload};
  }

  std::string sign(const Json& header, const Json& payload) const {
    return encode_compact(header, payload, [&](std::string_view input) {
      const auto s = issuer.sign(input);
      return std::string(s.begin(), s.end());
    });
  }

  // Re-signed with the payload changed by `change`.
  std::string with_payload(const std::function<void(Json&)>& change) const {
    auto [header, payload] = parts();
    change(payload);
    return sign(header, payload);
  }
  std::string with_header(const std::function<void(Json&)>& change) const {
    auto [header, payload] = parts();
    change(header);
    return sign(header, payload);
  }

  void expect_rejected(std::string_view token, TokenCheck check, const char* what,
                       core::Timestamp now = test_now() + std::chrono::seconds(1)) const {
    auto result = verify(token, now);
    ASSERT_FALSE(result.has_value()) << what;
    EXPECT_EQ(result.error().check, check) << what << ": got " << to_string(result.error().check) << " ("
                                           << result.error().reason << ")";
    if (!token.empty()) {
      EXPECT_EQ(result.error().reason.find(token), std::string::npos);
    }
  }
};

TEST_F(MandateTokenTest, RoundTrip) {
  auto verified = verify(issue());
  ASSERT_TRUE(verified.has_value()) << verified.error().reason;
  EXPECT_EQ(*verified, claims);
}

TEST_F(MandateTokenTest, RoundTripsQuotesBackslashesAndNonAscii) {
  claims.executor = R"(urn:x:"quoted"\back\slash)";
  claims.on_behalf_of = {"zoë@example.com"};
  claims.scope[0].resources = {"https://k8s.example.com/ns/shop?q=\"x\"", "ресурс/日本"};
  claims.scope[0].extra = R"({"note":"tab\tand \"quote\" and \u0001"})";
  auto verified = verify(issue());
  ASSERT_TRUE(verified.has_value()) << verified.error().reason;
  EXPECT_EQ(*verified, claims);
}

TEST_F(MandateTokenTest, TimesAreTruncatedToWholeSeconds) {
  claims.issued_at += std::chrono::microseconds(999'999);
  claims.not_before = claims.issued_at;
  auto verified = verify(issue(), test_now() + std::chrono::seconds(2));
  ASSERT_TRUE(verified.has_value()) << verified.error().reason;
  EXPECT_EQ(verified->issued_at, test_now());
  EXPECT_EQ(verified->not_before, test_now());
}

TEST_F(MandateTokenTest, WireFormat) {
  auto [header, payload] = parts();
  EXPECT_EQ(header, Json::parse(R"({"alg":"EdDSA","typ":"at+jwt","kid":")" + issuer.kid() + "\"}"));
  EXPECT_EQ(payload["iss"], kIssuer);
  EXPECT_EQ(payload["aud"], kAudience);
  // RFC 8693 §4.1: sub is on whose behalf; act is the party acting.
  EXPECT_EQ(payload["sub"], "alice@example.com");
  EXPECT_EQ(payload["client_id"], "spiffe://example.com/ci/deployer");
  EXPECT_EQ(payload["iat"], 1795896000);
  EXPECT_EQ(payload["nbf"], 1795896000);
  EXPECT_EQ(payload["exp"], 1795896000 + 900);
  EXPECT_EQ(payload["act"], Json::parse(R"({"sub":"spiffe://example.com/ci/deployer"})"));
  EXPECT_EQ(payload["authorization_details"],
            Json::parse(R"([{"type":"deployment","actions":["deploy","rollback"],
                             "resources":["https://k8s.example.com/ns/shop"],"environment":"prod"}])"));
  EXPECT_EQ(payload["cnf"], Json({{"jkt", executor.public_key().thumbprint()}}));
  // mandate's own members under one collision-resistant name (RFC 7519 §4.2).
  for (const char* name : {"task_id", "approval_hash", "depth", "max_uses", "break_glass", "parent_jti"}) {
    EXPECT_FALSE(payload.contains(name)) << name;
  }
  const Json& own = payload[std::string(kMandateClaim)];
  EXPECT_EQ(own["task_id"], "t-42");
  EXPECT_EQ(own["approval_hash"], std::string(64, 'a'));
  EXPECT_EQ(own["depth"], 0);
  EXPECT_EQ(own["max_uses"], 1);
  EXPECT_EQ(own["break_glass"], false);
  EXPECT_FALSE(own.contains("parent_jti"));
}

TEST_F(MandateTokenTest, ChildCarriesTheActChainMostRecentOutermost) {
  claims.on_behalf_of = {"alice@example.com", "spiffe://example.com/ci/orchestrator"};
  claims.parent_jti = "m-parent";
  claims.depth = 1;
  auto [header, payload] = parts();
  // The human stays sub; the executor acts, having been delegated to by
  // the orchestrator, which nests inside (RFC 8693 §4.1).
  EXPECT_EQ(payload["sub"], "alice@example.com");
  EXPECT_EQ(payload["act"], Json::parse(R"({"sub":"spiffe://example.com/ci/deployer",
                                            "act":{"sub":"spiffe://example.com/ci/orchestrator"}})"));
  EXPECT_EQ(payload[std::string(kMandateClaim)]["parent_jti"], "m-parent");
  auto verified = verify(issue());
  ASSERT_TRUE(verified.has_value()) << verified.error().reason;
  EXPECT_EQ(*verified, claims);
}

TEST_F(MandateTokenTest, BreakGlassNeedsNoApprovalHash) {
  claims.break_glass = true;
  claims.approval_hash.clear();
  auto [header, payload] = parts();
  EXPECT_FALSE(payload[std::string(kMandateClaim)].contains("approval_hash"));
  auto verified = verify(issue());
  ASSERT_TRUE(verified.has_value()) << verified.error().reason;
  EXPECT_EQ(*verified, claims);
}

TEST_F(MandateTokenTest, X5tBindingRoundTrips) {
  claims.key_binding = {core::KeyBindingKind::x5t_s256, std::string(42, 'A') + "E"};
  auto verified = verify(issue());
  ASSERT_TRUE(verified.has_value()) << verified.error().reason;
  EXPECT_EQ(verified->key_binding, claims.key_binding);
}

TEST_F(MandateTokenTest, IssuingRefusesInvalidClaims) {
  const std::vector<std::pair<const char*, std::function<void(MandateClaims&)>>> cases = {
      {"empty scope", [](MandateClaims& c) { c.scope.clear(); }},
      {"no initiator", [](MandateClaims& c) { c.on_behalf_of.clear(); }},
      {"expiry before start", [](MandateClaims& c) { c.expires_at = c.not_before - std::chrono::seconds(1); }},
      {"sub-second lifetime", [](MandateClaims& c) { c.expires_at = c.not_before + std::chrono::milliseconds(500); }},
      {"zero uses", [](MandateClaims& c) { c.max_uses = 0; }},
      {"no approval", [](MandateClaims& c) { c.approval_hash.clear(); }},
      {"approval not hex", [](MandateClaims& c) { c.approval_hash = std::string(64, 'A'); }},
      {"depth without parent", [](MandateClaims& c) { c.depth = 1; }},
      {"empty issuer", [](MandateClaims& c) { c.issuer.clear(); }},
      {"control char in executor", [](MandateClaims& c) { c.executor = "a\nb"; }},
      {"control char in initiator", [](MandateClaims& c) { c.on_behalf_of = {"a\nb"}; }},
      {"no audience", [](MandateClaims& c) { c.audience.clear(); }},
      {"repeated audience", [](MandateClaims& c) { c.audience = {"a", "a"}; }},
      {"bad thumbprint", [](MandateClaims& c) { c.key_binding.thumbprint = "short"; }},
      {"extra repeats type", [](MandateClaims& c) { c.scope[0].extra = R"({"type":"other"})"; }},
      {"extra not an object", [](MandateClaims& c) { c.scope[0].extra = "{not json}"; }},
  };
  for (const auto& [what, change] : cases) {
    MandateClaims bad = claims;
    change(bad);
    try {
      issue_mandate_token(bad, issuer);
      ADD_FAILURE() << what << ": issued";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_input) << what;
    }
  }
}

TEST_F(MandateTokenTest, FormatRejections) {
  const std::string token = issue();
  expect_rejected("", TokenCheck::format, "empty");
  expect_rejected("garbage", TokenCheck::format, "garbage");
  expect_rejected(token + ".x", TokenCheck::format, "four parts");
  expect_rejected(token.substr(0, token.rfind('.')), TokenCheck::format, "two parts");
  expect_rejected(token + "=", TokenCheck::format, "padding");
  expect_rejected(" " + token, TokenCheck::format, "leading space");
  expect_rejected(with_header([](Json& h) { h["crit"] = Json::array({"exp"}); }), TokenCheck::format, "crit");
  expect_rejected(token + std::string(kMaxCompactSize, 'A'), TokenCheck::format, "oversize");
}

TEST_F(MandateTokenTest, AlgorithmRejections) {
  auto [header, payload] = parts();
  header["alg"] = "none";
  const std::string unsecured = encoding::base64url_encode(header.dump()) + "." +
                                encoding::base64url_encode(payload.dump()) + ".";
  expect_rejected(unsecured, TokenCheck::algorithm, "alg none, no signature");
  expect_rejected(with_header([](Json& h) { h["alg"] = "none"; }), TokenCheck::algorithm, "alg none, signed");
  expect_rejected(with_header([](Json& h) { h["alg"] = "HS256"; }), TokenCheck::algorithm, "HS256");
  expect_rejected(with_header([](Json& h) { h.erase("alg"); }), TokenCheck::format, "no alg");
  // ES256 is a proof algorithm, never a mandate's, even with a valid signature.
  PrivateKey ec = PrivateKey::generate(Algorithm::ES256);
  lookup = lookup_of({issuer_public, ec.public_key()});
  header["alg"] = "ES256";
  header["kid"] = ec.public_key().thumbprint();
  expect_rejected(encode_compact(header, payload, [&](std::string_view in) { return ec.sign(in); }),
                  TokenCheck::algorithm, "ES256");
}

TEST_F(MandateTokenTest, TypeRejectionsAndAcceptedSpellings) {
  expect_rejected(with_header([](Json& h) { h.erase("typ"); }), TokenCheck::type, "no typ");
  expect_rejected(with_header([](Json& h) { h["typ"] = "JWT"; }), TokenCheck::type, "JWT");
  expect_rejected(with_header([](Json& h) { h["typ"] = "dpop+jwt"; }), TokenCheck::type, "a proof's typ");
  expect_rejected(with_header([](Json& h) { h["typ"] = 1; }), TokenCheck::type, "number");
  for (const char* typ : {"application/at+jwt", "AT+JWT"}) {
    EXPECT_TRUE(verify(with_header([&](Json& h) { h["typ"] = typ; })).has_value()) << typ;
  }
}

TEST_F(MandateTokenTest, KeyIdRejections) {
  expect_rejected(with_header([](Json& h) { h.erase("kid"); }), TokenCheck::key_id, "no kid");
  expect_rejected(with_header([](Json& h) { h["kid"] = 7; }), TokenCheck::key_id, "numeric kid");
  const PublicKey other = PublicKey::from_signing_key(keys::SigningKey(crypto::Ed25519PrivateKey::generate()));
  expect_rejected(with_header([&](Json& h) { h["kid"] = other.thumbprint(); }), TokenCheck::key_id, "unknown kid");
  lookup = lookup_of({});
  expect_rejected(issue(), TokenCheck::key_id, "rotated-out key");
  // A kid that resolves to a P-256 key cannot verify a mandate.
  const PublicKey ec = PrivateKey::generate(Algorithm::ES256).public_key();
  lookup = [&](std::string_view) -> std::optional<PublicKey> { return ec; };
  expect_rejected(issue(), TokenCheck::key_id, "kid names an EC key");
}

TEST_F(MandateTokenTest, SignatureRejections) {
  // A foreign key that claims the issuer's kid.
  const keys::SigningKey foreign(crypto::Ed25519PrivateKey::generate());
  auto [header, payload] = parts();
  const std::string forged = encode_compact(header, payload, [&](std::string_view in) {
    const auto s = foreign.sign(in);
    return std::string(s.begin(), s.end());
  });
  expect_rejected(forged, TokenCheck::signature, "foreign key, same kid");
  // A lookup that answers the kid with another key.
  lookup = [&](std::string_view) -> std::optional<PublicKey> { return PublicKey::from_signing_key(foreign); };
  expect_rejected(issue(), TokenCheck::signature, "lookup returns a foreign key");
  lookup = lookup_of({issuer_public});
  // The payload changed after signing.
  const std::string token = issue();
  const auto first_dot = token.find('.');
  const auto second_dot = token.find('.', first_dot + 1);
  payload[std::string(kMandateClaim)]["max_uses"] = 1000;
  const std::string spliced =
      token.substr(0, first_dot + 1) + encoding::base64url_encode(payload.dump()) + token.substr(second_dot);
  expect_rejected(spliced, TokenCheck::signature, "payload swapped");
  expect_rejected(token.substr(0, second_dot + 1), TokenCheck::signature, "signature removed");
}

TEST_F(MandateTokenTest, EverySingleCharacterChangeIsRejected) {
  const std::string token = issue();
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string changed = token;
    const auto at = kAlphabet.find(token[i]);
    changed[i] = kAlphabet[(at + 1 + i % 7) % kAlphabet.size()];
    if (changed == token) continue;
    EXPECT_FALSE(verify(changed).has_value()) << "position " << i;
  }
}

TEST_F(MandateTokenTest, IssuerAndAudienceRejections) {
  expect_rejected(with_payload([](Json& p) { p["iss"] = "https://evil.example.com"; }), TokenCheck::issuer, "other iss");
  expect_rejected(with_payload([](Json& p) { p.erase("iss"); }), TokenCheck::issuer, "no iss");
  expect_rejected(with_payload([](Json& p) { p["iss"] = Json::array({kIssuer}); }), TokenCheck::issuer, "iss array");
  expect_rejected(with_payload([](Json& p) { p["aud"] = "https://other.example.com"; }), TokenCheck::audience, "other aud");
  expect_rejected(with_payload([](Json& p) { p.erase("aud"); }), TokenCheck::audience, "no aud");
  expect_rejected(with_payload([](Json& p) { p["aud"] = Json::array({"x", 1}); }), TokenCheck::audience, "aud array without");
  auto in_array = verify(with_payload([](Json& p) { p["aud"] = Json::array({"x", kAudience}); }));
  ASSERT_TRUE(in_array.has_value()) << in_array.error().reason;
  EXPECT_EQ(in_array->audience, (std::vector<std::string>{"x", kAudience}));
  expect_rejected(with_payload([](Json& p) { p["aud"] = Json::array(); }), TokenCheck::audience, "empty aud array");
  // The broker checks the audience per decision: it reads aud without asking for one.
  auto unasked = verify_mandate_token(with_payload([](Json& p) { p["aud"] = "https://other.example.com"; }),
                                      lookup_of({issuer_public}), {kIssuer, std::nullopt, test_now(), std::chrono::seconds{30}});
  ASSERT_TRUE(unasked.has_value()) << unasked.error().reason;
  EXPECT_EQ(unasked->audience, std::vector<std::string>{"https://other.example.com"});
}

TEST_F(MandateTokenTest, TimeRejectionsWithSkew) {
  const std::string token = issue();
  const auto exp = claims.expires_at;
  const auto skew = std::chrono::seconds(30);
  EXPECT_TRUE(verify(token, exp + skew - std::chrono::microseconds(1)).has_value());
  expect_rejected(token, TokenCheck::time, "expired at exp + skew", exp + skew);
  expect_rejected(token, TokenCheck::time, "expired long ago", exp + std::chrono::hours(24));
  EXPECT_TRUE(verify(token, claims.not_before - skew).has_value());
  expect_rejected(token, TokenCheck::time, "not yet valid", claims.not_before - skew - std::chrono::microseconds(1));
  expect_rejected(with_payload([](Json& p) { p["iat"] = p["iat"].get<std::int64_t>() + 600; }), TokenCheck::time,
                  "issued in the future");
  expect_rejected(with_payload([](Json& p) { p["nbf"] = p["exp"]; }), TokenCheck::time, "nbf == exp");
  for (const char* claim : {"iat", "nbf", "exp"}) {
    expect_rejected(with_payload([&](Json& p) { p.erase(claim); }), TokenCheck::time, claim);
    expect_rejected(with_payload([&](Json& p) { p[claim] = p[claim].get<std::int64_t>() + 0.5; }), TokenCheck::time, claim);
    expect_rejected(with_payload([&](Json& p) { p[claim] = std::to_string(p[claim].get<std::int64_t>()); }),
                    TokenCheck::time, claim);
    expect_rejected(with_payload([&](Json& p) { p[claim] = -1; }), TokenCheck::time, claim);
  }
}

Json& own(Json& payload) { return payload[std::string(kMandateClaim)]; }

TEST_F(MandateTokenTest, ClaimsRejections) {
  const std::vector<std::pair<const char*, std::function<void(Json&)>>> cases = {
      {"no sub", [](Json& p) { p.erase("sub"); }},
      {"numeric sub", [](Json& p) { p["sub"] = 5; }},
      {"empty sub", [](Json& p) { p["sub"] = ""; }},
      {"no client_id", [](Json& p) { p.erase("client_id"); }},
      {"no jti", [](Json& p) { p.erase("jti"); }},
      {"no act", [](Json& p) { p.erase("act"); }},
      {"act not an object", [](Json& p) { p["act"] = "alice"; }},
      {"act without sub", [](Json& p) { p["act"] = Json::object(); }},
      {"act chain longer than depth", [](Json& p) { p["act"]["act"] = {{"sub", "bob"}}; }},
      {"client_id not the actor", [](Json& p) { p["client_id"] = "spiffe://example.com/other"; }},
      {"no mandate claim", [](Json& p) { p.erase(std::string(kMandateClaim)); }},
      {"mandate claim not an object", [](Json& p) { p[std::string(kMandateClaim)] = "t-42"; }},
      {"members at the top level only", [](Json& p) {
         p.update(p[std::string(kMandateClaim)]);
         p.erase(std::string(kMandateClaim));
       }},
      {"no authorization_details", [](Json& p) { p.erase("authorization_details"); }},
      {"empty authorization_details", [](Json& p) { p["authorization_details"] = Json::array(); }},
      {"authorization_details object", [](Json& p) { p["authorization_details"] = Json::object(); }},
      {"detail without type", [](Json& p) { p["authorization_details"][0].erase("type"); }},
      {"repeated action", [](Json& p) { p["authorization_details"][0]["actions"] = {"deploy", "deploy"}; }},
      {"non-string action", [](Json& p) { p["authorization_details"][0]["actions"] = {1}; }},
      {"no cnf", [](Json& p) { p.erase("cnf"); }},
      {"cnf with both", [](Json& p) { p["cnf"]["x5t#S256"] = p["cnf"]["jkt"]; }},
      {"cnf jkt malformed", [](Json& p) { p["cnf"]["jkt"] = "abc"; }},
      {"no task_id", [](Json& p) { own(p).erase("task_id"); }},
      {"no approval_hash", [](Json& p) { own(p).erase("approval_hash"); }},
      {"approval_hash malformed", [](Json& p) { own(p)["approval_hash"] = "xyz"; }},
      {"no depth", [](Json& p) { own(p).erase("depth"); }},
      {"negative depth", [](Json& p) { own(p)["depth"] = -1; }},
      {"depth without parent", [](Json& p) { own(p)["depth"] = 1; }},
      {"parent without depth", [](Json& p) { own(p)["parent_jti"] = "m-0"; }},
      {"zero max_uses", [](Json& p) { own(p)["max_uses"] = 0; }},
      {"huge max_uses", [](Json& p) { own(p)["max_uses"] = 1ll << 40; }},
      {"no break_glass", [](Json& p) { own(p).erase("break_glass"); }},
      {"break_glass string", [](Json& p) { own(p)["break_glass"] = "false"; }},
  };
  for (const auto& [what, change] : cases) expect_rejected(with_payload(change), TokenCheck::claims, what);
}

TEST_F(MandateTokenTest, TokenHashIsHexSha256OfTheText) {
  EXPECT_EQ(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string token = issue();
  EXPECT_EQ(token_hash(token).size(), 64u);
  EXPECT_NE(token_hash(token), token_hash(token + "x"));
}

TEST(TokenCheckNames, AreStable) {
  EXPECT_EQ(to_string(TokenCheck::format), "format");
  EXPECT_EQ(to_string(TokenCheck::key_id), "key_id");
  EXPECT_EQ(to_string(TokenCheck::claims), "claims");
}

}  // namespace
}  // namespace mandate::token
