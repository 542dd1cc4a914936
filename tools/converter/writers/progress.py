"""How far a large conversion is in writing its weights, on stderr."""

import sys

_PROGRAM = "tfjs_converter"


def _size(count):
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= factor:
            return f"{count / factor:.2f} {unit}"
    return f"{count} bytes"


class Progress:
    """Bytes of weights written of ``total``, shown when ``total`` is at least ``min_bytes``:
    one line rewritten in place when ``stream`` is a terminal, else a line per quarter."""

    def __init__(self, total, min_bytes, stream=None):
        self.total, self.done = total, 0
        self.stream = stream or sys.stderr
        self.shown = total >= min_bytes and total > 0
        self.terminal = self.shown and self.stream.isatty()
        self._quarters = 0

    def add(self, count):
        """Counts ``count`` more bytes written."""
        self.done += count
        if not self.shown:
            return
        line = (f"{_PROGRAM}: writing weights: {_size(self.done)} of {_size(self.total)} "
                f"({100 * self.done // self.total}%)")
        if self.terminal:
            self.stream.write("\r" + line + ("\n" if self.done >= self.total else ""))
        elif 4 * self.done // self.total > self._quarters:
            self._quarters = 4 * self.done // self.total
            self.stream.write(line + "\n")
        self.stream.flush()
