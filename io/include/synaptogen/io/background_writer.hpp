#pragma once
// One thread that performs file writes in the order they were posted, so the simulation
// loop never waits on the disk. HDF5 (Debian's build) is not thread-safe, so every HDF5
// call of a run goes through the one writer. The queue is bounded: a simulation that
// outruns the disk blocks instead of filling memory.
#include <exception>
#include <functional>
#include <thread>

#include <tbb/concurrent_queue.h>

namespace synaptogen {

class background_writer {
public:
    explicit background_writer(std::size_t capacity = 64);
    ~background_writer();
    background_writer(const background_writer&) = delete;
    background_writer& operator=(const background_writer&) = delete;

    void post(std::function<void()> task);
    // Waits for every posted task; rethrows the first exception a task threw.
    void finish();

private:
    tbb::concurrent_bounded_queue<std::function<void()>> queue_;
    std::thread thread_;
    std::exception_ptr error_;
    bool finished_ = false;
};

// Writes text to path via a temporary file and a rename: readers see all or nothing.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace synaptogen
