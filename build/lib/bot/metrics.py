"""Prometheus metrics in the text exposition format, kept per process (no module globals:
one ``Metrics`` lives in Services). Labels never carry user input or observation data."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
Labels = tuple[tuple[str, str], ...]


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{v}"' for k, v in labels)
    return "{" + inner + "}"


class Metrics:
    def __init__(self) -> None:
        self._counters: dict[str, dict[Labels, float]] = defaultdict(lambda: defaultdict(float))
        self._help: dict[str, tuple[str, str]] = {}
        self._hist: dict[str, dict[Labels, list[float]]] = defaultdict(dict)

    def inc(self, metric: str, help_text: str, value: float = 1.0, **labels: str) -> None:
        self._help.setdefault(metric, ("counter", help_text))
        self._counters[metric][tuple(sorted(labels.items()))] += value

    def observe(self, metric: str, help_text: str, seconds: float, **labels: str) -> None:
        """A histogram: counts per bucket (cumulative on output), sum and count."""
        self._help.setdefault(metric, ("histogram", help_text))
        key = tuple(sorted(labels.items()))
        data = self._hist[metric].setdefault(key, [0.0] * (len(BUCKETS) + 2))
        data[bisect.bisect_left(BUCKETS, seconds)] += 1
        data[-1] += seconds

    def render(self, gauges: Iterable[tuple[str, str, Labels, float]] = ()) -> str:
        """The exposition text; ``gauges`` are values read at scrape time (name, help,
        labels, value)."""
        lines: list[str] = []
        for name, series in sorted(self._counters.items()):
            kind, text = self._help[name]
            lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
            lines += [f"{name}{_labels(k)} {v:g}" for k, v in sorted(series.items())]
        for name, histograms in sorted(self._hist.items()):
            _kind, text = self._help[name]
            lines += [f"# HELP {name} {text}", f"# TYPE {name} histogram"]
            for key, data in sorted(histograms.items()):
                running = 0.0
                for bound, count in zip(BUCKETS, data, strict=False):
                    running += count
                    le = (*key, ("le", f"{bound:g}"))
                    lines.append(f"{name}_bucket{_labels(le)} {running:g}")
                total = running + data[len(BUCKETS)]
                lines.append(f"{name}_bucket{_labels((*key, ('le', '+Inf')))} {total:g}")
                lines.append(f"{name}_sum{_labels(key)} {data[-1]:.6f}")
                lines.append(f"{name}_count{_labels(key)} {total:g}")
        seen: set[str] = set()
        for name, text, labels, value in gauges:
            if name not in seen:
                lines += [f"# HELP {name} {text}", f"# TYPE {name} gauge"]
                seen.add(name)
            lines.append(f"{name}{_labels(labels)} {value:g}")
        return "\n".join(lines) + "\n"
