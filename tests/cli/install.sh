#!/usr/bin/env bash
# The installed package (docs/install.md): `cmake --install` into a fresh prefix, then
# examples/cmake_consumer (a network built in C++) configured with find_package(Synaptogen),
# built and run; the installed program runs an installed example; pkg-config finds the
# .pc file. Nothing here reads the source tree's libraries or headers.
set -eu
build=$1 src=$2 out=$3
rm -rf "$out"; mkdir -p "$out"
cmake --install "$build" --prefix "$out/prefix" > "$out/install.log"
test -x "$out/prefix/bin/synaptogen"
test -f "$out/prefix/lib/cmake/Synaptogen/SynaptogenConfig.cmake"
test -f "$out/prefix/include/synaptogen/runtime/simulation.hpp"
test -f "$out/prefix/share/doc/synaptogen/cluster.md"
cmake -S "$src/examples/cmake_consumer" -B "$out/consumer" -DCMAKE_PREFIX_PATH="$out/prefix" \
      -DCMAKE_BUILD_TYPE=Release > "$out/consumer.log"
cmake --build "$out/consumer" >> "$out/consumer.log"
(cd "$out" && ./consumer/brunel_in_cpp "$out/cpp_spikes.h5") | tee "$out/consumer.txt"
grep -qE "^2500 neurons, 625000 synapses, [0-9]+ spikes in 200 ms" "$out/consumer.txt"
test -s "$out/cpp_spikes.h5"
"$out/prefix/bin/synaptogen" run "$out/prefix/share/synaptogen/examples/brunel.toml" --duration 50 --no-progress \
    -o "$out/run" > "$out/run.txt"
test -f "$out/run/run.json"
PKG_CONFIG_PATH="$out/prefix/lib/pkgconfig" pkg-config --exists --print-errors synaptogen
PKG_CONFIG_PATH="$out/prefix/lib/pkgconfig" pkg-config --cflags synaptogen | grep -q -- "-I$out/prefix/lib/pkgconfig/../../include"
# The Python module from the installed prefix (when the build has one).
site="$out/prefix/lib/python3/dist-packages"
if [ -d "$site/synaptogen" ]; then
  PYTHONPATH="$site" /usr/bin/python3 -c "
import synaptogen as sg
assert sg.__file__.startswith('$site'), sg.__file__
r = sg.load('$out/prefix/share/synaptogen/examples/brunel.toml').run(duration=20.0, threads=1)
assert r.spike_count > 0, r.spike_count
print('python from the prefix:', r.spike_count, 'spikes')
"
fi
echo "install: all checks passed"
