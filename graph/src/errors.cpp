#include <synaptogen/graph/errors.hpp>

namespace synaptogen {

namespace {
std::string format(const source_location& w, const std::string& problem) {
    std::string msg = w.file.empty() ? std::string("<input>") : w.file;
    if (w.line > 0) msg += ":" + std::to_string(w.line);
    if (!w.field.empty()) msg += ": " + w.field;
    return msg + ": " + problem;
}
}  // namespace

input_error::input_error(source_location where, const std::string& problem)
    : std::runtime_error(format(where, problem)), where_(std::move(where)), problem_(problem) {}

}  // namespace synaptogen
