#include "kube/client/testing/test_pki.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace flyover::kube::testing {
namespace {

struct Deleter {
  void operator()(X509* x) const { X509_free(x); }
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  void operator()(BIO* b) const { BIO_free(b); }
};
using X509Ptr = std::unique_ptr<X509, Deleter>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter>;
using BioPtr = std::unique_ptr<BIO, Deleter>;

absl::Status OpenSslError(absl::string_view what) {
  char buffer[256] = "unknown error";
  if (unsigned long code = ERR_get_error(); code != 0) {
    ERR_error_string_n(code, buffer, sizeof(buffer));
  }
  ERR_clear_error();
  return absl::InternalError(absl::StrCat(what, ": ", buffer));
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

absl::StatusOr<TestCertificate> ToPem(X509* cert, EVP_PKEY* key) {
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(cert_bio.get(), cert) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError("writing PEM");
  }
  return TestCertificate{BioText(cert_bio.get()), BioText(key_bio.get())};
}

absl::Status AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return OpenSslError(absl::StrCat("extension ", value));
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok == 1 ? absl::OkStatus() : OpenSslError("adding extension");
}

struct Subject {
  std::string common_name;
  std::vector<std::string> organizations;
};

// A certificate for a fresh key, signed by `issuer`/`issuer_key` (self-signed when null).
absl::StatusOr<std::pair<X509Ptr, KeyPtr>> MakeCertificate(
    const Subject& subject, X509* issuer, EVP_PKEY* issuer_key,
    const std::vector<std::pair<int, std::string>>& extensions) {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (key == nullptr) return OpenSslError("generating a key");
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const std::string& org : subject.organizations) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(org.c_str()), -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(subject.common_name.c_str()),
                             -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  X509_set_pubkey(cert.get(), key.get());
  for (const auto& [nid, value] : extensions) {
    if (absl::Status s = AddExtension(cert.get(), signer, nid, value); !s.ok()) return s;
  }
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key.get(), EVP_sha256()) == 0) {
    return OpenSslError("signing");
  }
  return std::make_pair(std::move(cert), std::move(key));
}

absl::StatusOr<std::pair<X509Ptr, KeyPtr>> ParseCa(const TestCertificate& ca) {
  BioPtr cert_bio(BIO_new_mem_buf(ca.cert_pem.data(), static_cast<int>(ca.cert_pem.size())));
  BioPtr key_bio(BIO_new_mem_buf(ca.key_pem.data(), static_cast<int>(ca.key_pem.size())));
  X509Ptr cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  KeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr || key == nullptr) return OpenSslError("reading the CA");
  return std::make_pair(std::move(cert), std::move(key));
}

absl::StatusOr<TestCertificate> Issue(const TestCertificate& ca, const Subject& subject,
                                      const std::vector<std::pair<int, std::string>>& extensions) {
  absl::StatusOr<std::pair<X509Ptr, KeyPtr>> parsed = ParseCa(ca);
  if (!parsed.ok()) return parsed.status();
  absl::StatusOr<std::pair<X509Ptr, KeyPtr>> made =
      MakeCertificate(subject, parsed->first.get(), parsed->second.get(), extensions);
  if (!made.ok()) return made.status();
  return ToPem(made->first.get(), made->second.get());
}

}  // namespace

absl::StatusOr<TestPki> TestPki::Create(absl::string_view common_name) {
  absl::StatusOr<std::pair<X509Ptr, KeyPtr>> made = MakeCertificate(
      Subject{std::string(common_name), {}}, nullptr, nullptr,
      {{NID_basic_constraints, "critical,CA:TRUE"},
       {NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"},
       {NID_subject_key_identifier, "hash"}});
  if (!made.ok()) return made.status();
  absl::StatusOr<TestCertificate> pem = ToPem(made->first.get(), made->second.get());
  if (!pem.ok()) return pem.status();
  TestPki pki;
  pki.ca_ = *std::move(pem);
  return pki;
}

absl::StatusOr<TestCertificate> TestPki::IssueServer(const std::vector<std::string>& ips,
                                                     const std::vector<std::string>& dns) const {
  std::vector<std::string> sans;
  for (const std::string& ip : ips) sans.push_back("IP:" + ip);
  for (const std::string& name : dns) sans.push_back("DNS:" + name);
  return Issue(ca_, Subject{dns.empty() ? "flyover-test-server" : dns.front(), {}},
               {{NID_basic_constraints, "critical,CA:FALSE"},
                {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
                {NID_ext_key_usage, "serverAuth"},
                {NID_authority_key_identifier, "keyid"},
                {NID_subject_alt_name, absl::StrJoin(sans, ",")}});
}

absl::StatusOr<TestCertificate> TestPki::IssueClient(absl::string_view user,
                                                     const std::vector<std::string>& groups) const {
  return Issue(ca_, Subject{std::string(user), groups},
               {{NID_basic_constraints, "critical,CA:FALSE"},
                {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
                {NID_ext_key_usage, "clientAuth"},
                {NID_authority_key_identifier, "keyid"}});
}

}  // namespace flyover::kube::testing
