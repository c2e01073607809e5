"""One district end to end, for the batch runner: read, solve, check, write; a result row, never an exception.

`planner plan-many` (planner.batch) runs this once per district on a Dask worker and writes one summary row per
district (CONTRACT "Many districts"): status ok | bad_input | infeasible | failed, the CLI's exit code, seconds,
households, the checker's violation count and a message. One district's failure never stops the others, so
every error is caught here and turned into its row; nothing is written for a district that failed (write_plan
writes the folder atomically).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from planner.errors import InfeasibleError, InputError, Lang
from planner.progress import Cancelled

# as `planner plan` exits; `failed` is 1, what Python exits with on an uncaught exception
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_CANCELLED = 0, 1, 2, 3, 130


@dataclass(frozen=True)
class DistrictResult:
    status: str                 # ok | bad_input | infeasible | failed | cancelled
    exit_code: int
    seconds: float
    households: int | None
    violations: int | None      # from the checker; None when no plan was made
    message: str

    def row(self) -> dict[str, Any]:
        return asdict(self)


def plan_district(data: Path, out: Path, *, year: int | None = None, overrides: dict[str, Any] | None = None,
                  previous: Path | None = None, lang: Lang = "zh") -> DistrictResult:
    """Plan the district whose input is `data` (folder or workbook) into the plan folder `out`, as `planner
    plan` would, and check it."""
    from planner.io.read import read_problem
    from planner.plan import read_plan, write_plan
    from planner.workflow.solve import plan_and_check

    started = time.monotonic()
    households: int | None = None

    def result(status: str, code: int, message: str, violations: int | None = None) -> DistrictResult:
        return DistrictResult(status, code, round(time.monotonic() - started, 3), households, violations, message)

    try:
        problem = read_problem(Path(data), year=year, overrides=overrides or {})
        households = problem.n_households
        last_year = read_plan(previous) if previous else None
        checked = plan_and_check(problem, last_year)
        write_plan(checked.plan, Path(out), inputs=[data, previous])
    except InputError as exc:
        return result("bad_input", EXIT_BAD_INPUT, exc.render(lang))
    except InfeasibleError as exc:
        return result("infeasible", EXIT_INFEASIBLE, exc.render(lang))
    except Cancelled:
        return result("cancelled", EXIT_CANCELLED, "cancelled")
    except Exception as exc:  # a bug or a full disk: this district's row says so, the others go on
        return result("failed", EXIT_FAILED, f"{type(exc).__name__}: {exc}")
    found = len(checked.violations)
    message = (f"{found} violations" if found else "all rules hold") if lang == "en" else (
        f"{found} 处违反规则" if found else "全部规则均满足")
    return result("ok", EXIT_OK, message, found)
