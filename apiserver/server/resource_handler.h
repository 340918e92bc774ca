// Resource requests (/api/v1/..., /apis/<group>/<version>/...): the generic handlers that
// serve every resource of the registry through ObjectService — get, list, watch, create,
// update, patch, delete, deletecollection, the status subresource, pods/binding and
// pods/log (pod_log.h: proxied to the node's kubelet).
//
// Responses: 200 with the object (get, update, patch, delete), 201 for create and for
// bindings, lists as <Kind>List, Tables when kubectl asks for them, Status objects for
// every error (404 for unknown resources or subresources, 405 for verbs a resource does not
// support). The body of a create/update must be JSON (kubectl always sends JSON).
//
// Thread-safety: Handle() is thread-safe.
#ifndef FLYOVER_APISERVER_SERVER_RESOURCE_HANDLER_H_
#define FLYOVER_APISERVER_SERVER_RESOURCE_HANDLER_H_

#include <memory>

#include "apiserver/server/http_types.h"
#include "apiserver/server/object_service.h"
#include "apiserver/server/registry_state.h"
#include "apiserver/server/request_info.h"
#include "apiserver/server/watch_handler.h"

namespace flyover::apiserver {

class ResourceHandler {
 public:
  // Every pointer must outlive the handler; `metrics` may be null.
  ResourceHandler(ObjectService* objects, ActiveWatches* watches, ServerMetrics* metrics)
      : objects_(objects), watches_(watches), metrics_(metrics) {}

  HttpResponse Handle(const HttpRequest& request, const RequestInfo& info,
                      std::shared_ptr<const RegistrySnapshot> snapshot);

 private:
  struct Call;  // one request's parsed context
  HttpResponse Get(const Call& call);
  HttpResponse List(const Call& call);
  HttpResponse Watch(const Call& call, std::shared_ptr<const RegistrySnapshot> snapshot);
  HttpResponse Create(const Call& call);
  HttpResponse Update(const Call& call);
  HttpResponse Patch(const Call& call);
  HttpResponse Delete(const Call& call);
  HttpResponse DeleteCollection(const Call& call);

  ObjectService* const objects_;
  ActiveWatches* const watches_;
  ServerMetrics* const metrics_;
};

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_RESOURCE_HANDLER_H_
