#include "cli/validate_command.h"

#include "absl/strings/str_cat.h"
#include "cli/job_summary.h"
#include "kube/api/json_util.h"
#include "kube/api/post_training_job_codec.h"
#include "kube/api/yaml.h"

namespace flyover::cli {
namespace {

enum class Output { kSummary, kJson, kYaml };

struct ValidateOptions {
  Output output = Output::kSummary;
  bool expect_invalid = false;
  std::vector<std::string> files;
};

constexpr char kUsage[] = "usage: flyover validate [-o summary|json|yaml] [--expect-invalid] FILE...";

bool ParseArgs(const std::vector<std::string>& args, ValidateOptions* options, std::ostream& err) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-o" || a == "--output") {
      if (i + 1 == args.size()) {
        err << "flyover validate: " << a << " needs a value\n" << kUsage << "\n";
        return false;
      }
      const std::string& v = args[++i];
      if (v == "summary") options->output = Output::kSummary;
      else if (v == "json") options->output = Output::kJson;
      else if (v == "yaml") options->output = Output::kYaml;
      else {
        err << "flyover validate: unknown output format \"" << v
            << "\" (supported: summary, json, yaml)\n";
        return false;
      }
    } else if (a == "--expect-invalid") {
      options->expect_invalid = true;
    } else if (!a.empty() && a[0] == '-') {
      err << "flyover validate: unknown flag " << a << "\n" << kUsage << "\n";
      return false;
    } else {
      options->files.push_back(a);
    }
  }
  if (options->files.empty()) {
    err << kUsage << "\n";
    return false;
  }
  return true;
}

void PrintValid(const kube::PostTrainingJob& job, Output output, std::ostream& out) {
  const nlohmann::json encoded = kube::EncodePostTrainingJob(job);
  switch (output) {
    case Output::kSummary:
      out << SummarizeJob(job) << "\n";
      break;
    case Output::kJson:
      out << kube::DumpJson(encoded, 2) << "\n";
      break;
    case Output::kYaml:
      out << "---\n" << kube::JsonToYaml(encoded);
      break;
  }
}

}  // namespace

int RunValidate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  ValidateOptions options;
  if (!ParseArgs(args, &options, err)) return 2;
  int valid = 0;
  int invalid = 0;
  for (const std::string& file : options.files) {
    absl::StatusOr<std::vector<nlohmann::json>> docs = kube::ReadYamlFile(file);
    if (!docs.ok()) {
      err << "error: " << docs.status().message() << "\n";
      ++invalid;
      continue;
    }
    for (const nlohmann::json& doc : *docs) {
      absl::StatusOr<kube::PostTrainingJob> job = kube::ParsePostTrainingJob(doc);
      if (job.ok()) {
        ++valid;
        PrintValid(*job, options.output, out);
      } else {
        ++invalid;
        out << file << ": rejected: " << job.status().message() << "\n";
      }
    }
  }
  if (options.output == Output::kSummary) {
    out << absl::StrCat(valid, " valid, ", invalid, " rejected\n");
  }
  return options.expect_invalid ? (valid == 0 ? 0 : 1) : (invalid == 0 ? 0 : 1);
}

}  // namespace flyover::cli
