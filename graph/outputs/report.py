"""``report.json``: files seen, built and failed, every diagnostic, counts, and the time every output took."""

from __future__ import annotations

import json

from ..blocks import FileIndex
from .base import Job, Output

__all__ = ["Report"]


class Report(Output):
    name = "report.json"
    last = True  # it holds the time every other output took

    def write(self, job: Job) -> FileIndex | None:
        text = json.dumps(job.kg.report.to_dict(), ensure_ascii=False, indent=2) + "\n"
        (job.folder / self.name).write_text(text, encoding="utf-8")
        return None
