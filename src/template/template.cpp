#include "template/template.h"

#include "template/exec.h"

namespace lokal::tmpl {

result<std::string> execute(const parsed_template & t, const json & data, const exec_options & opts,
                            const limits & lim) {
    std::string out;
    try {
        executor ex(t.trees(), opts, lim, out);
        ex.run(opts.root != nullptr ? *opts.root : t.trees().root, value::borrowed(data, opts.data_type));
    } catch (const exec_failure & f) {
        return make_error(f.code, f.message);
    } catch (const json::exception & e) {
        // Typed data that does not match its descriptor: our bug, not the template's.
        return make_error(errc::internal, std::string("template: bad data: ") + e.what());
    } catch (const std::bad_alloc &) {
        return make_error(errc::invalid_request, "template: out of memory");
    }
    return out;
}

result<std::string> render(const parsed_template & t, const json & data, const limits & lim) {
    return execute(t, data, exec_options{}, lim);
}

}  // namespace lokal::tmpl
