// YamlJsonBuilder: a yaml-cpp EventHandler that builds nlohmann::json documents straight from
// the parser's events, with the budget of YamlLimits (yaml.h).
//
// Why events and not YAML::LoadAll: building from events lets the budget stop an alias bomb
// before it is expanded, and lets the caller notice when the parser stops making progress
// (yaml-cpp 0.7 reports an endless run of empty documents for a stray ',' at the top level
// of a document; see ParseYamlDocuments).
//
// Scalars resolve as yaml.h describes (ResolveYamlScalar). The first error wins: later events
// are ignored and error() reports it with the line and column. Not thread-safe; one per parse.
#ifndef FLYOVER_KUBE_API_YAML_JSON_BUILDER_H_
#define FLYOVER_KUBE_API_YAML_JSON_BUILDER_H_

#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "kube/api/yaml.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/mark.h"

namespace flyover::kube {

// Resolves one scalar: quoted (tag "!") or explicitly tagged str → string, else go-yaml's
// plain-scalar rules.
[[nodiscard]] nlohmann::json ResolveYamlScalar(const std::string& tag, const std::string& text);

class YamlJsonBuilder : public YAML::EventHandler {
 public:
  explicit YamlJsonBuilder(const YamlLimits& limits) : limits_(limits) {}

  // The documents completed so far, in order.
  [[nodiscard]] std::vector<nlohmann::json>& documents() { return documents_; }
  [[nodiscard]] const absl::Status& error() const { return error_; }
  // Where the most recent document started (line, column, byte offset).
  [[nodiscard]] const YAML::Mark& last_document_start() const { return document_start_; }

  void OnDocumentStart(const YAML::Mark& mark) override;
  void OnDocumentEnd() override;
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override;
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override;
  void OnSequenceEnd() override;
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override;
  void OnMapEnd() override;

 private:
  struct Frame {
    nlohmann::json value;
    YAML::anchor_t anchor = 0;
    size_t nodes = 1;                       // nodes in this subtree, for aliases to it
    std::optional<std::string> pending_key;  // maps: the key awaiting its value
  };
  struct Anchored {
    nlohmann::json value;
    size_t nodes = 0;
  };

  bool Failed() const { return !error_.ok(); }
  void Fail(const YAML::Mark& mark, absl::string_view what);
  // Charges `nodes` against the budget; false (and an error) when it runs out.
  bool Charge(size_t nodes);
  bool ExpectingKey() const;
  void OpenContainer(const YAML::Mark& mark, YAML::anchor_t anchor, nlohmann::json empty);
  void CloseContainer();
  // Hands a finished value to its parent (or makes it the document).
  void Complete(nlohmann::json value, YAML::anchor_t anchor, size_t nodes);

  const YamlLimits& limits_;
  size_t nodes_ = 0;  // across the whole stream
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  std::vector<nlohmann::json> documents_;
  std::optional<nlohmann::json> root_;
  YAML::Mark document_start_;
  YAML::Mark last_mark_;
  absl::Status error_;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_API_YAML_JSON_BUILDER_H_
