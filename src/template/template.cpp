#include "template/template.h"

#include "template/exec.h"

#include <optional>

namespace lokal::tmpl {

result<std::string> execute(const parsed_template & t, const json & data, const exec_options & opts,
                            const limits & lim) {
    std::string out;
    executor ex(t.trees(), opts, lim, out);
    std::optional<error> failure;
    try {
        ex.run(opts.root != nullptr ? *opts.root : t.trees().root, value::borrowed(data, opts.data_type));
    } catch (const exec_failure & f) {
        failure = make_error(f.code, f.message);
    } catch (const json::exception & e) {
        // Typed data that does not match its descriptor: our bug, not the template's.
        failure = make_error(errc::internal, std::string("template: bad data: ") + e.what());
    } catch (const std::bad_alloc &) {
        failure = make_error(errc::invalid_request, "template: out of memory");
    }
    if (opts.steps_used != nullptr) {
        *opts.steps_used = ex.steps();
    }
    if (failure) {
        return *failure;
    }
    return out;
}

result<std::string> render(const parsed_template & t, const json & data, const limits & lim) {
    return execute(t, data, exec_options{}, lim);
}

}  // namespace lokal::tmpl
