"""Bring a finished study's numbers and report up to the current verdict code without re-running the analysis:
recompute the Table 5 checks and the verdict (paired bootstrap, power) from study.json's stored per-image and
per-channel values, and replace those two sections of report.html (the figures stay as the run drew them)."""
import json, sys
from pathlib import Path
from layerwalk.study.report import _table5, _verdict
from layerwalk.study.table5 import compare_table5
from layerwalk.study.verdict import verdict

out = Path(sys.argv[1])
results = json.loads((out / "study.json").read_text())
results["table5"] = compare_table5(results["accuracy"], 10)
results["verdict"] = verdict(results)
(out / "study.json").write_text(json.dumps(results, indent=1))
page = (out / "report.html").read_text()
start, end = page.index("<h2>Verdict</h2>"), page.index("<h2>1. Accuracy")
(out / "report.html").write_text(page[:start] + _table5(results) + _verdict(results) + page[end:])
print("refreshed", out)
