"""Reads the key/value metadata of a GGUF file (no tensors), so tests can
compare what the server reports with what the file says."""

import struct

_SCALARS = {
    0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i",
    6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d",
}
_STRING, _ARRAY = 8, 9


class _Reader:
    def __init__(self, f):
        self.f = f

    def take(self, fmt):
        size = struct.calcsize(fmt)
        data = self.f.read(size)
        if len(data) != size:
            raise ValueError("truncated GGUF")
        return struct.unpack(fmt, data)[0]

    def string(self):
        n = self.take("<Q")
        return self.f.read(n).decode("utf-8", errors="replace")

    def value(self, vtype, keep_arrays):
        if vtype in _SCALARS:
            return self.take(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            etype = self.take("<I")
            count = self.take("<Q")
            if not keep_arrays:
                # skip quickly for fixed-size element types
                if etype in _SCALARS:
                    self.f.seek(count * struct.calcsize(_SCALARS[etype]), 1)
                else:
                    for _ in range(count):
                        self.value(etype, False)
                return {"array_len": count}
            return [self.value(etype, True) for _ in range(count)]
        raise ValueError(f"unknown GGUF value type {vtype}")


def read_metadata(path, keep_arrays=False):
    """Returns {key: value}; arrays become {"array_len": n} unless keep_arrays."""
    with open(path, "rb") as f:
        r = _Reader(f)
        if f.read(4) != b"GGUF":
            raise ValueError(f"{path} is not a GGUF file")
        version = r.take("<I")
        if version < 2:
            raise ValueError(f"GGUF version {version} not supported")
        r.take("<Q")  # tensor count
        n_kv = r.take("<Q")
        out = {}
        for _ in range(n_kv):
            key = r.string()
            vtype = r.take("<I")
            out[key] = r.value(vtype, keep_arrays)
        return out

