// libFuzzer target: bytes -> (JSON | YAML) -> PostTrainingJob decode -> validate ->
// encode -> decode -> encode. Crashes, leaks and undefined behaviour are findings; so is
// an encoded job that does not decode cleanly or does not re-encode to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "kube/api/json_util.h"
#include "kube/api/post_training_job_codec.h"
#include "kube/api/post_training_job_validation.h"
#include "kube/api/yaml.h"

namespace {

using flyover::kube::DecodePostTrainingJob;
using flyover::kube::DumpJson;
using flyover::kube::EncodePostTrainingJob;
using flyover::kube::ErrorList;

void CheckRoundTrip(const nlohmann::json& document) {
  ErrorList errors;
  flyover::kube::PostTrainingJob job = DecodePostTrainingJob(document, &errors);
  flyover::kube::ValidatePostTrainingJob(job, &errors);
  (void)errors.ToStatus("PostTrainingJob.training.flyover.dev", job.metadata.name);
  if (!errors.empty()) return;
  const std::string first = DumpJson(EncodePostTrainingJob(job));
  ErrorList again_errors;
  flyover::kube::PostTrainingJob again =
      DecodePostTrainingJob(nlohmann::json::parse(first), &again_errors);
  if (!again_errors.empty()) std::abort();  // an encoded valid job must decode cleanly
  if (DumpJson(EncodePostTrainingJob(again)) != first) std::abort();  // and re-encode
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_discarded()) CheckRoundTrip(parsed);
  // A small node budget keeps each run fast; the budget logic is the same at any size.
  absl::StatusOr<std::vector<nlohmann::json>> docs =
      flyover::kube::ParseYamlDocuments(text, {.max_nodes = 20000});
  if (docs.ok()) {
    for (const nlohmann::json& doc : *docs) CheckRoundTrip(doc);
  }
  return 0;
}
