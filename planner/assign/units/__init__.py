"""Stage assign.units: district units → communities (单位联系社区), a generalized assignment problem.

Hard: every community exactly one unit; every unit ≥1 community while units ≤ communities; with strict linkage a
unit's cadre capacity (Σ cadre capacities) covers the households of its communities; pins (including those a
cadre pin implies under strict linkage) and forbidden pairs.

Per component, three steps (see `_solve_component`):
1. the pair model (`build_model`: one boolean x[u,c] per candidate pair, linear costs — distance and "outside the
   home office") gives a first feasible plan quickly; its LP bound is weak (8.8% gap on the district demo), so
   it is only a start;
2. column generation (columns.py) over patterns = a unit's whole set of communities, with the
   exact objective (continuity, distance, offices spanned, balance, linkage) and a proven LP/Lagrangian bound;
   a price-and-dive plan replaces the start when better;
3. a CP-SAT set-partitioning master over the generated columns (hinted), and once more with every column whose
   reduced cost is below the remaining gap.
The same pair model, with assumption literals, explains infeasibility (explain.py).

Home office: each unit's office(s) — last year's and pinned ones kept, others assigned greedily, largest unit first,
to the nearest office still short of its capacity share (households_o × capacity / households).

Decomposition (the reason this stage is fast): when units × communities is large, each unit first gets a home
office (greedy, capacity-proportional, nearest first; last year's and pinned offices kept). Candidate pairs are
then unit × communities of its home offices, so the model splits into independent per-office (or merged-office)
components, each a few hundred booleans that CP-SAT closes quickly. A component that turns out infeasible is
merged with its nearest neighbour and solved again, up to the full model. Home offices are only a START: the
decomposed plan's bound holds for its candidate pairs only (kept as `start_bound` in the report's details).

The whole problem (whole.py): afterwards every community may go to every unit the rules allow. A stabilised column
generation over all pairs (lagrange.py: each unit's subproblem an exact knapsack DP, offices spanned in its state)
gives the Lagrangian bound of the WHOLE problem — the bound reported, `bound_scope` "whole problem (...)"; an LP
dive over its columns, repaired and followed by the local searches over all pairs, gives the plan reported when
it is better than the decomposed one. (District demo seed 0: 5,111.0 → ~2,500 against a bound of 1,763.2.)

The package, one module per job (each imports only those above it):
    rules.py      the stage's rules shared by the others: implied_pins (三级联动), must_link_each_unit
    decompose.py  home offices (transportation model), packing, office groups (components)
    model.py      the pair model (CP-SAT), also used by explain.py
    columns.py    column generation: patterns, exact pricing, the set-partitioning master
    search.py     local search on the exact pattern cost (descent, iterated kicks)
    lagrange.py   the whole-problem bound: exact per-unit subproblems, stabilised column generation
    whole.py      the whole-problem step: bound, LP dive + repair, local searches over all pairs
    solve.py      the driver: per component pair model -> columns -> master, merging failed groups; then whole.py
"""

from planner.assign.units.decompose import FULL_PAIRS_LIMIT, home_offices, pack
from planner.assign.units.model import UnitsModel, build_model
from planner.assign.units.rules import implied_pins, must_link_each_unit
from planner.assign.units.solve import STAGE, UnitsResult, solve_units

__all__ = ["FULL_PAIRS_LIMIT", "STAGE", "UnitsModel", "UnitsResult", "build_model", "home_offices", "implied_pins",
           "must_link_each_unit", "pack", "solve_units"]
