// Audit records for routes (audit/audit.h): a wrapper that records one line
// per request of a model-management route, and the hook that records every
// refused request.
#pragma once

#include "handlers/routes.h"

#include <string>

namespace lokal::handlers {

// Wraps h so that every request to it is recorded once, before the answer:
// a plain answer after h returns; a streamed one (pull, push, create) when
// its outcome is known, i.e. just before the final {"status":"success"} line
// or when an {"error":...} line or the end of the stream shows it failed
// (recorded as 500 with the error; a client gone midway as 499). If the line
// cannot be written, the client gets a 500 (or an error line instead of
// success) rather than an unrecorded success.
http::handler audited(context & ctx, std::string action, http::handler h);
http::upload_handler audited_upload(context & ctx, std::string action, http::upload_handler h);

// Records every request the server refuses (guard, 401, 403) as "denied".
void register_denied_audit(http::server & srv, context & ctx);

}  // namespace lokal::handlers
