#pragma once
#include <stdexcept>
#include <string>

namespace synaptogen {

// Where a value came from in a description file. line 0 means "the file as a whole".
struct source_location {
    std::string file;
    int line = 0;
    std::string field;  // dotted path, e.g. "projection[2].delay"
};

// Bad input from the user: a message naming file, line, field and what was expected.
class input_error : public std::runtime_error {
public:
    input_error(source_location where, const std::string& problem);
    const source_location& where() const { return where_; }
    const std::string& problem() const { return problem_; }

private:
    source_location where_;
    std::string problem_;
};

// A broken invariant inside Synaptogen: a bug, never the user's fault.
class internal_error : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

}  // namespace synaptogen
