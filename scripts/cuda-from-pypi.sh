#!/usr/bin/env bash
# A CUDA toolkit assembled from NVIDIA's PyPI wheels, for compiling lokal's
# CUDA build on a machine without Debian's non-free CUDA packages (and
# testing it without a GPU). Not used by `make`; see README-dev.md.
#
#   scripts/cuda-from-pypi.sh /opt/cuda     # then: PATH=/opt/cuda/bin:$PATH make build
#
# lib/stubs/libcuda.so is generated from cuda.h: every driver entry point
# returns an error, so a binary run with it as libcuda.so.1 behaves as on a
# machine whose driver finds no GPU. A machine with a GPU has the real one.
set -euo pipefail
dest=${1:?usage: scripts/cuda-from-pypi.sh DEST}
wheels=$(mktemp -d)
trap 'rm -rf "$wheels"' EXIT
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.11 \
    --platform manylinux_2_17_x86_64 --platform manylinux_2_12_x86_64 --platform manylinux1_x86_64 \
    -d "$wheels" nvidia-cuda-nvcc==13.5.37 nvidia-cuda-runtime==13.5.37 nvidia-cuda-crt==13.5.37 \
    nvidia-nvvm==13.5.37 nvidia-cublas==13.10.0.20 nvidia-cuda-cccl==13.3.5.0.6
unpacked="$wheels/unpacked"
for w in "$wheels"/*.whl; do python3 -m zipfile -e "$w" "$unpacked"; done
mkdir -p "$dest"
cp -a "$unpacked"/nvidia/cu13/. "$dest"/
chmod +x "$dest"/bin/* "$dest"/nvvm/bin/*
for lib in libcudart libcublas libcublasLt; do ln -sf "$lib.so.13" "$dest/lib/$lib.so"; done
mkdir -p "$dest/lib/stubs"
sed -n 's/^CUresult CUDAAPI \(cu[A-Za-z0-9_]*\)(.*/\1/p; s/^#define \(cu[A-Za-z0-9_]*\) *\(cu[A-Za-z0-9_]*\)$/\2/p' \
    "$dest/include/cuda.h" | sort -u | sed 's/.*/int &(void) { return 999; }/' > "$wheels/stub.c"
cc -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$dest/lib/stubs/libcuda.so" "$wheels/stub.c"
"$dest/bin/nvcc" --version | tail -1
