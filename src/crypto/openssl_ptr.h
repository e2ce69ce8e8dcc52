#pragma once
// OpenSSL objects under RAII: one owning pointer per OpenSSL type, each freed
// by that type's own _free. The deleters are defined in openssl_ptr.cc, so
// this header needs only OpenSSL's forward declarations.
#include <memory>

#include <openssl/types.h>

struct stack_st_X509;          // STACK_OF(X509)
struct stack_st_GENERAL_NAME;  // GENERAL_NAMES
typedef struct ECDSA_SIG_st ECDSA_SIG;  // as <openssl/ec.h> declares it

namespace mandate::crypto {

struct OpenSslFree {
  void operator()(EVP_PKEY* p) const;
  void operator()(EVP_PKEY_CTX* p) const;
  void operator()(EVP_MD_CTX* p) const;
  void operator()(BIO* p) const;
  void operator()(BIGNUM* p) const;  // BN_free; secrets use SecretBignum
  void operator()(ECDSA_SIG* p) const;
  void operator()(OSSL_PARAM_BLD* p) const;
  void operator()(OSSL_PARAM* p) const;
  void operator()(X509* p) const;
  void operator()(X509_STORE* p) const;
  void operator()(X509_STORE_CTX* p) const;
  void operator()(stack_st_X509* p) const;  // frees the certificates too
  void operator()(stack_st_GENERAL_NAME* p) const;
};

// BN_clear_free: for private scalars, wiped before they are freed.
struct SecretBignumFree {
  void operator()(BIGNUM* p) const;
};

template <typename T>
using OpenSslPtr = std::unique_ptr<T, OpenSslFree>;

using Pkey = OpenSslPtr<EVP_PKEY>;
using PkeyCtx = OpenSslPtr<EVP_PKEY_CTX>;
using MdCtx = OpenSslPtr<EVP_MD_CTX>;
using Bio = OpenSslPtr<BIO>;
using Bignum = OpenSslPtr<BIGNUM>;
using SecretBignum = std::unique_ptr<BIGNUM, SecretBignumFree>;
using EcdsaSig = OpenSslPtr<ECDSA_SIG>;
using ParamBld = OpenSslPtr<OSSL_PARAM_BLD>;
using Params = OpenSslPtr<OSSL_PARAM>;
using Cert = OpenSslPtr<X509>;
using CertStore = OpenSslPtr<X509_STORE>;
using CertStoreCtx = OpenSslPtr<X509_STORE_CTX>;
using CertStack = OpenSslPtr<stack_st_X509>;
using GeneralNames = OpenSslPtr<stack_st_GENERAL_NAME>;

}  // namespace mandate::crypto
