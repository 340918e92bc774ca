// TestPki: a throwaway certificate authority for TLS tests, made with OpenSSL when the
// test runs, so no private key is checked in.
//
//   ASSIGN_OR_RETURN(TestPki pki, TestPki::Create());
//   ASSIGN_OR_RETURN(TestCertificate server, pki.IssueServer({"127.0.0.1"}, {"localhost"}));
//   ASSIGN_OR_RETURN(TestCertificate admin, pki.IssueClient("admin", {"system:masters"}));
//
// Keys are ECDSA P-256; certificates are valid from an hour ago for a day. Everything is
// PEM text. Thread-compatible.
#ifndef FLYOVER_KUBE_CLIENT_TESTING_TEST_PKI_H_
#define FLYOVER_KUBE_CLIENT_TESTING_TEST_PKI_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flyover::kube::testing {

struct TestCertificate {
  std::string cert_pem;
  std::string key_pem;
};

class TestPki {
 public:
  [[nodiscard]] static absl::StatusOr<TestPki> Create(absl::string_view common_name = "flyover-test-ca");

  const TestCertificate& ca() const { return ca_; }

  // A serving certificate with these IP and DNS subject alternative names.
  [[nodiscard]] absl::StatusOr<TestCertificate> IssueServer(const std::vector<std::string>& ips,
                                                            const std::vector<std::string>& dns) const;
  // A client certificate: CN is the user, O the groups, as kube-apiserver reads them.
  [[nodiscard]] absl::StatusOr<TestCertificate> IssueClient(
      absl::string_view user, const std::vector<std::string>& groups = {}) const;

 private:
  TestPki() = default;
  TestCertificate ca_;
};

}  // namespace flyover::kube::testing

#endif  // FLYOVER_KUBE_CLIENT_TESTING_TEST_PKI_H_
