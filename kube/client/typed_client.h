// TypedClient<T>: RestClient's verbs on a typed API object, for any T with an
// ObjectCodec<T> (object_codec.h).
//
//   TypedClient<PostTrainingJob> jobs(rest_client);
//   ASSIGN_OR_RETURN(PostTrainingJob job, jobs.Get("team-a", "llama-sft"));
//
// Objects are encoded with the codec before sending and every answer is decoded strictly;
// an answer that does not decode is InvalidArgument naming the fields. Errors from the
// server are RestClient's (api_status.h). In Watch(), bookmarks carry no object: the
// event's `object` is default-constructed and only `resource_version` is set; an event
// whose object does not decode ends the watch with the decode error.
//
// Ownership: borrows the RestClient, which must outlive it. Thread-safety: as RestClient.
#ifndef FLYOVER_KUBE_CLIENT_TYPED_CLIENT_H_
#define FLYOVER_KUBE_CLIENT_TYPED_CLIENT_H_

#include <functional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/status.h"
#include "kube/client/object_codec.h"
#include "kube/client/rest_client.h"
#include "kube/client/watch_decoder.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

template <typename T>
struct TypedList {
  std::vector<T> items;
  std::string resource_version;
};

template <typename T>
struct TypedWatchEvent {
  WatchStreamEventType type = WatchStreamEventType::kAdded;
  T object{};
  std::string resource_version;
};

template <typename T>
class TypedClient {
 public:
  using Codec = ObjectCodec<T>;
  using EventHandler = std::function<absl::Status(TypedWatchEvent<T> event)>;

  explicit TypedClient(RestClient* client) : client_(client) {}

  [[nodiscard]] absl::StatusOr<T> Get(absl::string_view ns, absl::string_view name,
                                      const GetOptions& options = {}) {
    return Decoded(client_->Get(Codec::Resource(), ns, name, options));
  }

  [[nodiscard]] absl::StatusOr<TypedList<T>> List(absl::string_view ns,
                                                  const RestListOptions& options = {}) {
    ASSIGN_OR_RETURN(ObjectList list, client_->List(Codec::Resource(), ns, options));
    TypedList<T> out;
    out.resource_version = std::move(list.resource_version);
    out.items.reserve(list.items.size());
    for (const nlohmann::json& item : list.items) {
      ASSIGN_OR_RETURN(T object, Codec::Decode(item));
      out.items.push_back(std::move(object));
    }
    return out;
  }

  // The namespace comes from the object's metadata.
  [[nodiscard]] absl::StatusOr<T> Create(const T& object, const WriteOptions& options = {}) {
    nlohmann::json encoded = Codec::Encode(object);
    std::string ns = NamespaceOf(encoded);
    return Decoded(client_->Create(Codec::Resource(), ns, encoded, options));
  }

  [[nodiscard]] absl::StatusOr<T> Update(const T& object, const WriteOptions& options = {}) {
    return Decoded(client_->Update(Codec::Resource(), Codec::Encode(object), options));
  }

  [[nodiscard]] absl::StatusOr<T> UpdateStatus(const T& object, const WriteOptions& options = {}) {
    return Decoded(client_->UpdateStatus(Codec::Resource(), Codec::Encode(object), options));
  }

  [[nodiscard]] absl::StatusOr<T> Patch(absl::string_view ns, absl::string_view name,
                                        const nlohmann::json& patch,
                                        const PatchOptions& options = {}) {
    return Decoded(client_->Patch(Codec::Resource(), ns, name, patch, options));
  }

  // Applies the whole encoded object: the field manager claims every field it sets.
  [[nodiscard]] absl::StatusOr<T> Apply(const T& object, const ApplyOptions& options) {
    return Decoded(client_->Apply(Codec::Resource(), Codec::Encode(object), options));
  }

  [[nodiscard]] absl::Status Delete(absl::string_view ns, absl::string_view name,
                                    const DeleteOptions& options = {}) {
    return client_->Delete(Codec::Resource(), ns, name, options);
  }

  [[nodiscard]] absl::Status Watch(absl::string_view ns, const RestWatchOptions& options,
                                   const EventHandler& handler, std::stop_token stop) {
    return client_->Watch(
        Codec::Resource(), ns, options,
        [&handler](WatchStreamEvent event) -> absl::Status {
          TypedWatchEvent<T> typed;
          typed.type = event.type;
          typed.resource_version = event.ResourceVersion();
          if (event.type != WatchStreamEventType::kBookmark) {
            ASSIGN_OR_RETURN(typed.object, Codec::Decode(event.object));
          }
          return handler(std::move(typed));
        },
        std::move(stop));
  }

  RestClient* rest_client() const { return client_; }

 private:
  static absl::StatusOr<T> Decoded(absl::StatusOr<nlohmann::json> object) {
    if (!object.ok()) return object.status();
    return Codec::Decode(*object);
  }

  static std::string NamespaceOf(const nlohmann::json& object) {
    auto metadata = object.find("metadata");
    if (metadata == object.end() || !metadata->is_object()) return "";
    auto ns = metadata->find("namespace");
    return ns != metadata->end() && ns->is_string() ? ns->get<std::string>() : "";
  }

  RestClient* const client_;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CLIENT_TYPED_CLIENT_H_
