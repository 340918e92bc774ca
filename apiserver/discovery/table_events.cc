// The event columns of `kubectl get events`, for core/v1 and events.k8s.io/v1 Events alike
// (the latter name their fields differently: regarding, note, deprecated*).
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "apiserver/discovery/age.h"
#include "apiserver/discovery/table_printers.h"

namespace flyover::apiserver::discovery {
namespace {

using nlohmann::json;

// The first of the named fields that is set.
const json& First(const json& event, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const json& value = At(event, {name});
    if (!value.is_null() && !(value.is_string() && value.get<std::string>().empty())) {
      return value;
    }
  }
  return At(event, {names.begin()[0]});
}

std::string Target(const json& event) {
  const json& object = First(event, {"involvedObject", "regarding"});
  std::string kind = absl::AsciiStrToLower(StringAt(object, {"kind"}));
  std::string name = StringAt(object, {"name"});
  return name.empty() ? kind : absl::StrCat(kind, "/", name);
}

std::string Source(const json& event) {
  const json& source = First(event, {"source", "deprecatedSource"});
  std::string component = StringAt(source, {"component"},
                                   StringAt(event, {"reportingComponent"},
                                                    StringAt(event, {"reportingController"})));
  std::string host = StringAt(source, {"host"}, StringAt(event, {"reportingInstance"}));
  return host.empty() ? component : absl::StrCat(component, ", ", host);
}

json EventCells(const json& event, absl::Time now) {
  std::string first = AgeSince(First(event, {"firstTimestamp", "deprecatedFirstTimestamp"}), now);
  if (First(event, {"firstTimestamp", "deprecatedFirstTimestamp"}).is_null()) {
    first = AgeSince(At(event, {"eventTime"}), now);
  }
  const json& last_time = First(event, {"lastTimestamp", "deprecatedLastTimestamp"});
  std::string last = last_time.is_null() ? first : AgeSince(last_time, now);
  int64_t count = 1;
  const json& n = First(event, {"count", "deprecatedCount"});
  if (n.is_number_integer() && n.get<int64_t>() > 0) count = n.get<int64_t>();
  const json& series = At(event, {"series"});
  if (series.is_object()) {
    last = AgeSince(At(series, {"lastObservedTime"}), now);
    if (At(series, {"count"}).is_number_integer()) count = series["count"].get<int64_t>();
  }
  std::string message(absl::StripAsciiWhitespace(
      StringAt(event, {"message"}, StringAt(event, {"note"}))));
  const json& object = First(event, {"involvedObject", "regarding"});
  return json::array({last, StringAt(event, {"type"}), StringAt(event, {"reason"}), Target(event),
                      StringAt(object, {"fieldPath"}), Source(event), message, first, count,
                      StringAt(event, {"metadata", "name"})});
}

}  // namespace

TablePrinter EventPrinter() {
  json columns = json::array(
      {Column("Last Seen", "string", "", "When the event last occurred."),
       Column("Type", "string", "", "Normal or Warning."),
       Column("Reason", "string", "", "Why the event happened, in CamelCase."),
       Column("Object", "string", "", "The object the event is about."),
       Column("Subobject", "string", "", "The part of the object, e.g. a container.", 1),
       Column("Source", "string", "", "The component that reported the event.", 1),
       Column("Message", "string", "", "A human-readable description."),
       Column("First Seen", "string", "", "When the event first occurred.", 1),
       Column("Count", "string", "", "How many times the event occurred.", 1),
       Column("Name", "string", "name", "The name of the event object.", 1)});
  return {columns, EventCells};
}

}  // namespace flyover::apiserver::discovery
