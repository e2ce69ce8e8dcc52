#include "crypto/openssl_ptr.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace mandate::crypto {

void OpenSslFree::operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
void OpenSslFree::operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
void OpenSslFree::operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
void OpenSslFree::operator()(BIO* p) const { BIO_free(p); }
void OpenSslFree::operator()(BIGNUM* p) const { BN_free(p); }
void OpenSslFree::operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
void OpenSslFree::operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
void OpenSslFree::operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
void OpenSslFree::operator()(X509* p) const { X509_free(p); }
void OpenSslFree::operator()(X509_STORE* p) const { X509_STORE_free(p); }
void OpenSslFree::operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
void OpenSslFree::operator()(stack_st_X509* p) const { sk_X509_pop_free(p, X509_free); }
void OpenSslFree::operator()(stack_st_GENERAL_NAME* p) const { GENERAL_NAMES_free(p); }

void SecretBignumFree::operator()(BIGNUM* p) const { BN_clear_free(p); }

}  // namespace mandate::crypto
