#include <synaptogen/io/background_writer.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace synaptogen {

background_writer::background_writer(std::size_t capacity) {
    queue_.set_capacity(static_cast<std::ptrdiff_t>(capacity));
    thread_ = std::thread([this] {
        for (;;) {
            std::function<void()> task;
            queue_.pop(task);
            if (!task) return;  // the empty task ends the thread
            if (error_) continue;  // after a failure, drain without writing
            try {
                task();
            } catch (...) {
                error_ = std::current_exception();
            }
        }
    });
}

background_writer::~background_writer() {
    if (!finished_) {
        queue_.push(std::function<void()>());
        thread_.join();
    }
}

void background_writer::post(std::function<void()> task) {
    if (!task) return;
    queue_.push(std::move(task));
}

void background_writer::finish() {
    if (finished_) return;
    finished_ = true;
    queue_.push(std::function<void()>());
    thread_.join();
    if (error_) std::rethrow_exception(error_);
}

void write_file_atomically(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".part";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
        out.flush();
        if (!out) throw std::runtime_error("cannot write " + tmp);
    }
    std::filesystem::rename(tmp, path);
}

}  // namespace synaptogen
