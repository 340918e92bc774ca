#include "apiserver/storage/store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "apiserver/storage/continue_token.h"
#include "apiserver/storage/errors.h"
#include "common/status.h"

namespace flyover::apiserver::storage {
namespace {

StoredObject FromChange(const ObjectKey& key, const Change& change) {
  return StoredObject{key, change.value, change.revision, change.create_revision};
}

absl::Status ClosedError() { return absl::UnavailableError("the storage is closed"); }

absl::StatusOr<StoredObject> FromEntry(Entry entry) {
  ASSIGN_OR_RETURN(ObjectKey key, DecodeKey(entry.key));
  return StoredObject{std::move(key), std::move(entry.value), entry.revision,
                      entry.create_revision};
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> Store::Open(std::shared_ptr<RevisionLog> log,
                                                   StoreOptions options, Clock* clock,
                                                   std::shared_ptr<prometheus::Registry> registry) {
  if (log == nullptr) return absl::InvalidArgumentError("log: must not be null");
  if (options.committer.max_batch_mutations < 1) {
    return absl::InvalidArgumentError("committer.max_batch_mutations: must be at least 1");
  }
  if (options.committer.write_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("committer.write_timeout: must be positive");
  }
  if (options.committer.compaction_step < 1) {
    return absl::InvalidArgumentError("committer.compaction_step: must be at least 1");
  }
  if (options.watch.replay_page < 1) {
    return absl::InvalidArgumentError("watch.replay_page: must be at least 1");
  }
  return std::unique_ptr<Store>(
      new Store(std::move(log), std::move(options), clock, std::move(registry)));
}

absl::StatusOr<std::unique_ptr<Store>> Store::OpenSqlite(
    const std::string& path, StoreOptions options, Clock* clock,
    std::shared_ptr<prometheus::Registry> registry) {
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteRevisionLog> log,
                   SqliteRevisionLog::Open(path, options.sqlite));
  return Open(std::move(log), std::move(options), clock, std::move(registry));
}

Store::Store(std::shared_ptr<RevisionLog> log, StoreOptions options, Clock* clock,
             std::shared_ptr<prometheus::Registry> registry)
    : log_(std::move(log)),
      metrics_(std::make_shared<StorageMetrics>(std::move(registry))),
      hub_(std::make_shared<WatchHub>(log_, clock, metrics_, options.watch)),
      committer_(
          log_.get(), clock, metrics_,
          [hub = hub_.get()](std::vector<std::shared_ptr<const Change>> changes) {
            hub->Publish(std::move(changes));
          },
          options.committer) {
  hub_->Start();
  committer_.Start();
}

Store::~Store() { Close(); }

void Store::Close() {
  closed_.store(true);
  committer_.Stop();
  hub_->Stop();
}

absl::StatusOr<StoredObject> Store::Write(const ObjectKey& key, Mutation mutation) {
  RETURN_IF_ERROR(ValidateKey(key));
  if (mutation.kind != Mutation::Kind::kDelete) RETURN_IF_ERROR(ValidateValue(mutation.value));
  mutation.key = EncodeKey(key);
  ASSIGN_OR_RETURN(std::shared_ptr<const Change> change, committer_.Submit(std::move(mutation)));
  return FromChange(key, *change);
}

absl::StatusOr<StoredObject> Store::Create(const ObjectKey& key, std::string value) {
  return Write(key, Mutation{Mutation::Kind::kCreate, "", std::move(value), std::nullopt});
}

absl::StatusOr<StoredObject> Store::Update(const ObjectKey& key, std::string value,
                                           Preconditions preconditions) {
  return Write(key,
               Mutation{Mutation::Kind::kUpdate, "", std::move(value), preconditions.revision});
}

absl::StatusOr<StoredObject> Store::Delete(const ObjectKey& key, Preconditions preconditions) {
  return Write(key, Mutation{Mutation::Kind::kDelete, "", "", preconditions.revision});
}

absl::StatusOr<StoredObject> Store::Get(const ObjectKey& key) {
  RETURN_IF_ERROR(ValidateKey(key));
  if (closed_.load()) return ClosedError();
  ASSIGN_OR_RETURN(std::optional<Entry> entry, log_->Get(EncodeKey(key)));
  if (!entry.has_value()) return absl::NotFoundError(absl::StrCat(DescribeKey(key), " not found"));
  return StoredObject{key, std::move(entry->value), entry->revision, entry->create_revision};
}

absl::StatusOr<StoredObject> Store::GuaranteedUpdate(const ObjectKey& key,
                                                     const UpdateFunction& update,
                                                     GuaranteedUpdateOptions options) {
  if (!update) return absl::InvalidArgumentError("update: must not be null");
  for (int attempt = 0; attempt < options.max_attempts; ++attempt) {
    ASSIGN_OR_RETURN(StoredObject current, Get(key));
    const std::optional<int64_t> wanted = options.preconditions.revision;
    if (wanted.has_value() && *wanted != current.revision) {
      return absl::AbortedError(absl::StrCat(
          DescribeKey(key), ": the object has been modified (resourceVersion ", current.revision,
          ", expected ", *wanted, "); apply your changes to the latest version and try again"));
    }
    ASSIGN_OR_RETURN(std::string value, update(current));
    if (value == current.value) return current;
    absl::StatusOr<StoredObject> written = Update(key, std::move(value), {current.revision});
    if (written.status().code() != absl::StatusCode::kAborted) return written;
  }
  return absl::AbortedError(absl::StrCat(DescribeKey(key), ": gave up after ", options.max_attempts,
                                         " conflicting concurrent updates; try again"));
}

absl::StatusOr<ListResult> Store::List(const ListOptions& options) {
  RETURN_IF_ERROR(ValidateScope(options.resource, options.namespace_));
  if (closed_.load()) return ClosedError();
  if (options.limit < 0) return absl::InvalidArgumentError("limit: must not be negative");
  const std::string prefix = ScopePrefix(options.resource, options.namespace_);
  RangeRequest request{prefix, PrefixEnd(prefix), log_->CurrentRevision(), options.limit,
                       options.count_remaining};
  if (!options.continue_token.empty()) {
    if (options.revision.has_value()) {
      return absl::InvalidArgumentError("revision: must not be set together with a continue token");
    }
    ASSIGN_OR_RETURN(ContinueToken token, DecodeContinueToken(options.continue_token));
    request.revision = token.revision;
    request.begin = absl::StrCat(prefix, token.last_key, std::string(1, '\0'));
  } else if (options.revision.has_value()) {
    request.revision = *options.revision;
  }
  absl::StatusOr<RangePage> page = log_->Range(request);
  if (!page.ok() && IsExpired(page.status()) && !options.continue_token.empty()) {
    return ExpiredError("continue: the list's snapshot revision", request.revision,
                        log_->CompactRevision());
  }
  if (!page.ok()) return page.status();
  ListResult result;
  result.revision = request.revision;
  result.items.reserve(page->entries.size());
  for (Entry& entry : page->entries) {
    ASSIGN_OR_RETURN(StoredObject object, FromEntry(std::move(entry)));
    result.items.push_back(std::move(object));
  }
  if (page->more && !result.items.empty()) {
    const std::string last = EncodeKey(result.items.back().key);
    result.continue_token = EncodeContinueToken({request.revision, last.substr(prefix.size())});
    if (options.count_remaining) result.remaining_item_count = page->remaining;
  }
  return result;
}

absl::StatusOr<std::unique_ptr<Watcher>> Store::Watch(WatchOptions options) {
  return hub_->Watch(std::move(options));
}

absl::Status Store::Compact(int64_t revision) { return committer_.Compact(revision); }

}  // namespace flyover::apiserver::storage
