"""Every user-facing string of the app, in Chinese (default) and English, in this one dictionary.

Pages call `t("key", **values)`; the language lives in `st.session_state["lang"]`. Rule labels and their policy
sentences are not repeated here: they live with the rules themselves (planner/rules.py field metadata) and are read
through `rule_label` / `rule_help`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
LANG_KEY = "lang"

T: dict[str, tuple[str, str]] = {
    # -- app chrome ----------------------------------------------------------------------------------------------
    "app.title": ("党员干部直接联系服务群众 · 年度联系计划", "Direct-contact service plan · annual planner"),
    "app.short": ("联系计划", "Contact planner"),
    "app.lang": ("语言 / Language", "Language / 语言"),
    "app.nav": ("工作步骤", "Workflow"),
    "app.data_status": ("当前数据：{source}", "Current data: {source}"),
    "app.demo_source": ("内置示例区（{path}）", "Bundled demo district ({path})"),
    "app.no_data": ("尚未载入数据", "No data loaded"),
    "app.plan_status": ("已有计划（{status}，{seconds:.1f} 秒）", "Plan ready ({status}, {seconds:.1f} s)"),
    "app.no_plan": ("尚未生成计划", "No plan yet"),
    "app.solving": ("正在求解……", "Solving…"),
    "app.stale": ("数据、规则或锁定已改动，计划需重新求解", "Data, rules or locks changed since the plan was made: solve again"),
    "page.data": ("1 数据", "1 Data"),
    "page.rules": ("2 规则", "2 Rules"),
    "page.locks": ("3 锁定", "3 Locks"),
    "page.solve": ("4 求解", "4 Solve"),
    "page.results": ("5 结果", "5 Results"),
    "page.export": ("6 导出", "6 Export"),
    "common.search": ("搜索（编号或名称）", "Search (id or name)"),
    "common.office_filter": ("按办事处筛选", "Filter by office"),
    "common.all": ("全部", "All"),
    "common.page": ("页码（共 {pages} 页，{rows} 行）", "Page (of {pages}, {rows} rows)"),
    "common.need_data": ("请先在“数据”页载入数据。", "Load data on the Data page first."),
    "common.need_plan": ("还没有计划：请到“求解”页生成。", "No plan yet: make one on the Solve page."),
    # -- data page -----------------------------------------------------------------------------------------------
    "data.title": ("数据", "Data"),
    "data.intro": ("系统已载入内置示例区（可直接试用）。正式使用时，请下载模板，按表填好后上传；也可以上传 CSV 文件打成的 zip 包。",
                   "The bundled demo district is loaded so you can try everything. For real use, download the "
                   "template, fill in one sheet per table and upload it; a zip of CSV files works too."),
    "data.current": ("当前数据", "Current data"),
    "data.source": ("来源：{source}", "Source: {source}"),
    "data.counts_table": ("表", "Table"),
    "data.counts_rows": ("行数", "Rows"),
    "data.upload": ("上传数据（模板 .xlsx，或 CSV 的 .zip 包）", "Upload data (template .xlsx, or a .zip of CSV files)"),
    "data.load_upload": ("载入上传的数据", "Load the uploaded data"),
    "data.loaded": ("已载入：{source}", "Loaded: {source}"),
    "data.load_demo": ("重新载入示例数据", "Reload the demo data"),
    "data.demo_missing": ("未找到内置示例数据（data/demo），请上传数据。", "The bundled demo (data/demo) is missing: upload data."),
    "data.template": ("下载空白模板（.xlsx）", "Download the empty template (.xlsx)"),
    "data.template_name": ("联系计划_输入模板.xlsx", "planner_input_template.xlsx"),
    "data.errors": ("上传的数据有 {n} 处问题，未载入（原有数据保留不变）。请按下表修改后重新上传：",
                    "The upload has {n} problems and was not loaded (the previous data is kept). Fix them and "
                    "upload again:"),
    "data.col_file": ("工作表/文件", "Sheet / file"),
    "data.col_row": ("行", "Row"),
    "data.col_column": ("列", "Column"),
    "data.col_message": ("问题", "Problem"),
    "data.preview": ("查看数据表", "Browse a table"),
    "data.previous": ("上年计划（可选，用于延续结对和对比差异）", "Last year's plan (optional: continuity and differences)"),
    "data.previous_upload": ("上传上年计划（计划目录打成的 .zip 包）", "Upload last year's plan (a .zip of the plan folder)"),
    "data.previous_loaded": ("已载入上年计划：{n} 户结对", "Last year's plan loaded: {n} household pairs"),
    "data.previous_none": ("未载入上年计划", "No plan of last year loaded"),
    "data.previous_clear": ("移除上年计划", "Remove last year's plan"),
    "data.previous_use_current": ("把当前计划作为上年计划", "Use the current plan as last year's"),
    "data.bad_zip": ("无法读取 zip 包：{error}", "Cannot read the zip file: {error}"),
    "data.estimated": ("注意：{year} 年的节假日为估算日历，请用 holidays 表校正调休。",
                       "Note: the {year} holiday calendar is an estimate: correct make-up days with the holidays table."),
    # -- rules page ----------------------------------------------------------------------------------------------
    "rules.title": ("规则", "Rules"),
    "rules.intro": ("每一项默认值都来自政策原文（鼠标移到各项右侧的问号上可查看原文）。修改后重新求解即生效。",
                    "Every default comes from the policy text (hover the question mark next to each rule to read the sentence). Changes take effect "
                    "at the next solve."),
    "rules.reset": ("恢复默认值", "Reset to defaults"),
    "rules.reset_done": ("已恢复为政策默认值。", "Rules reset to the policy defaults."),
    "rules.changed": ("与默认值不同的规则：{n} 项", "Rules differing from the defaults: {n}"),
    "rules.invalid": ("规则有误：", "Invalid rules:"),
    "rules.source": ("政策原文：{text}", "Policy: {text}"),
    "rules.col_default": ("默认值", "Default"),
    "rules.col_value": ("当前值", "Current"),
    "rules.download": ("下载规则文件 rules.toml", "Download rules.toml"),
    "group.assign": ("结对分配", "Assignment"),
    "group.weights": ("软目标权重", "Soft-goal weights"),
    "group.visits": ("走访次数", "Visits"),
    "group.grassroots": ("基层调研天数", "Grassroots days"),
    "group.reception": ("信访接待", "Reception"),
    "group.burden": ("减轻基层负担（每日上限）", "Burden caps (per day)"),
    "group.calendar": ("日历", "Calendar"),
    "group.solver": ("求解器", "Solver"),
    # -- locks page ----------------------------------------------------------------------------------------------
    "locks.title": ("锁定", "Locks"),
    "locks.intro": ("“锁定”的结对在重新求解时一定保留（如保留某领导的联系办事处）；“禁止”的结对一定不会出现（如利益回避）。"
                    "锁定保存后，再到“求解”页重新求解。",
                    "Pinned pairs are kept by every re-solve (e.g. keep a leader's office); forbidden pairs never appear "
                    "(e.g. a conflict of interest). Save, then solve again on the Solve page."),
    "locks.kind": ("结对类型", "Pair kind"),
    "kind.leader_office": ("区级领导 → 办事处", "Leader → office"),
    "kind.unit_community": ("区直单位 → 社区", "Unit → community"),
    "kind.cadre_household": ("党员干部 → 联系户", "Cadre → household"),
    "locks.from_plan": ("从当前计划中锁定或禁止", "Pin or forbid from the current plan"),
    "locks.col_pin": ("🔒 锁定", "🔒 Pin"),
    "locks.col_forbid": ("× 禁止", "× Forbid"),
    "locks.col_subject": ("联系人", "Subject"),
    "locks.col_subject_name": ("联系人名称", "Subject name"),
    "locks.col_target": ("联系对象", "Target"),
    "locks.col_target_name": ("联系对象名称", "Target name"),
    "locks.col_office": ("办事处", "Office"),
    "locks.save": ("保存锁定", "Save locks"),
    "locks.saved": ("已保存：锁定 {pins} 对，禁止 {forbidden} 对。请重新求解。",
                    "Saved: {pins} pinned and {forbidden} forbidden pairs. Solve again."),
    "locks.both": ("同一结对不能既锁定又禁止：{pairs}", "A pair cannot be both pinned and forbidden: {pairs}"),
    "locks.add": ("手动添加一条锁定或禁止", "Add a pin or a forbidden pair by hand"),
    "locks.add_subject": ("联系人编号", "Subject id"),
    "locks.add_target": ("联系对象编号", "Target id"),
    "locks.add_action": ("操作", "Action"),
    "locks.action_pin": ("锁定（必须结对）", "Pin (must link)"),
    "locks.action_forbid": ("禁止（不得结对）", "Forbid (must not link)"),
    "locks.add_button": ("添加", "Add"),
    "locks.current": ("已有的锁定和禁止", "Current pins and forbidden pairs"),
    "locks.none": ("还没有锁定或禁止的结对。", "No pinned or forbidden pairs yet."),
    "locks.col_action": ("类型", "Kind"),
    "locks.remove": ("删除选中的", "Remove selected"),
    "locks.col_remove": ("删除", "Remove"),
    "locks.invalid": ("锁定无法保存：", "Locks could not be saved:"),
    "locks.pin": ("🔒 锁定", "🔒 pinned"),
    "locks.forbid": ("× 禁止", "× forbidden"),
    # -- solve page ----------------------------------------------------------------------------------------------
    "solve.title": ("求解", "Solve"),
    "solve.intro": ("一键生成全年计划：先分配结对，再排全年走访日历。已有计划时会尽量保持原有结对不变。",
                    "One click makes the year's plan: first the pairs, then the visit calendar. With a plan already "
                    "made, the solve keeps as many existing pairs as it can."),
    "solve.summary": ("将为 {households} 户联系户、{cadres} 名干部、{units} 个单位、{leaders} 名区级领导排 {year} 年计划。",
                      "Planning {year} for {households} households, {cadres} cadres, {units} units and {leaders} leaders."),
    "solve.continuity": ("以当前计划为基础（延续结对）", "Starting from the current plan (keeps pairs)"),
    "solve.continuity_prev": ("以上年计划为基础（延续结对）", "Starting from last year's plan (keeps pairs)"),
    "solve.start": ("开始求解", "Solve"),
    "solve.cancel": ("停止", "Stop"),
    "solve.running": ("正在求解，页面可继续浏览……", "Solving; you can keep using the page…"),
    "solve.stage": ("阶段", "Stage"),
    "solve.objective": ("当前最优目标值", "Best objective"),
    "solve.bound": ("下界", "Bound"),
    "solve.elapsed": ("已用时间", "Elapsed"),
    "solve.seconds": ("{s:.1f} 秒", "{s:.1f} s"),
    "solve.progress": ("子问题 {done}/{total}", "Sub-models {done}/{total}"),
    "solve.waiting": ("准备中……", "Preparing…"),
    "solve.done": ("求解完成，用时 {seconds:.1f} 秒。请到“结果”页查看。", "Solved in {seconds:.1f} s. See the Results page."),
    "solve.cancelled": ("已停止求解，原有计划保持不变。", "Solve stopped; the previous plan is unchanged."),
    "solve.infeasible": ("规则无法同时满足，未生成计划。原因如下：", "The rules cannot all hold; no plan was made. Why:"),
    "solve.what_to_change": ("可以这样调整：在“规则”页放宽相关数字，在“锁定”页删除冲突的锁定，或在“数据”页补充人员（如增加干部或提高其联系户上限）。",
                             "What to change: relax the numbers involved on the Rules page, remove conflicting locks "
                             "on the Locks page, or add people on the Data page (more cadres, or a higher "
                             "household limit)."),
    "solve.bad_input": ("数据有误，无法求解：", "The data has problems; cannot solve:"),
    "solve.failed": ("求解出错：{error}", "The solve failed: {error}"),
    "solve.version": ("已存为方案“{scenario}”的第 {version} 版（“历史”页或命令行 planner history {scenario} 可查看）。",
                      "Stored as version {version} of scenario '{scenario}' (`planner history {scenario}` lists them)."),
    "solve.store_failed": ("未能存入版本库（计划本身不受影响）：{error}", "Could not store the version (the plan is "
                           "unaffected): {error}"),
    "solve.stages_table": ("各阶段结果", "Stages"),
    "solve.col_stage": ("阶段", "Stage"),
    "solve.col_status": ("状态", "Status"),
    "solve.col_gap": ("差距", "Gap"),
    "solve.col_seconds": ("秒", "Seconds"),
    "solve.checking": ("正在独立核验计划……", "Checking the plan independently…"),
    "stage.assign.leaders": ("分配：区级领导 → 办事处", "Assign: leaders → offices"),
    "stage.assign.units": ("分配：单位 → 社区", "Assign: units → communities"),
    "stage.assign.cadres": ("分配：干部 → 联系户", "Assign: cadres → households"),
    "stage.calendar.leaders": ("日历：区级领导走访", "Calendar: leaders' visits"),
    "stage.calendar.reception": ("日历：信访接待", "Calendar: reception days"),
    "stage.calendar.units": ("日历：单位进社区", "Calendar: units' visits"),
    "stage.calendar.cadres": ("日历：干部入户", "Calendar: cadres' visits"),
    "stage.check": ("独立核验", "Independent check"),
    "status.optimal": ("最优", "optimal"),
    "status.feasible": ("可行", "feasible"),
    "status.infeasible": ("无解", "infeasible"),
    "status.unknown": ("未知", "unknown"),
    # -- results page --------------------------------------------------------------------------------------------
    "results.title": ("结果", "Results"),
    "kpi.coverage": ("联系户覆盖率", "Household coverage"),
    "kpi.coverage_help": ("有干部联系的联系户占比；社区 {communities}，办事处 {offices}",
                          "Households with a cadre; communities {communities}, offices {offices}"),
    "kpi.minimums": ("各项最低要求", "Every minimum met"),
    "kpi.all_met": ("全部满足", "All met"),
    "kpi.violations": ("{n} 处未满足", "{n} not met"),
    "kpi.not_checked": ("未核验", "Not checked"),
    "kpi.time": ("求解用时", "Solve time"),
    "kpi.gap": ("最优性差距", "Optimality gap"),
    "kpi.gap_help": ("目标值与下界的相对差距，0% 即已证明最优", "Relative distance between objective and bound; 0% = proven optimal"),
    "kpi.visits": ("全年走访", "Visits in the year"),
    "results.violations": ("核验发现的问题", "Problems found by the check"),
    "results.stale": ("提示：计划生成后数据、规则或锁定有改动。", "Note: data, rules or locks changed after this plan was made."),
    "results.view": ("查看", "View"),
    "tab.assign": ("结对表", "Pairs"),
    "tab.workload": ("工作量", "Workload"),
    "tab.map": ("地图", "Map"),
    "tab.heatmap": ("月度热力图", "Monthly heat map"),
    "tab.calendar": ("个人日历", "Personal calendar"),
    "tab.burden": ("基层负担", "Burden"),
    "tab.diff": ("与上年对比", "Changes from last year"),
    "assign.which": ("结对表", "Table"),
    "col.leader": ("区级领导", "Leader"),
    "col.leader_name": ("领导姓名", "Leader name"),
    "col.tier": ("职务", "Tier"),
    "col.office": ("办事处", "Office"),
    "col.office_name": ("办事处名称", "Office name"),
    "col.unit": ("单位", "Unit"),
    "col.unit_name": ("单位名称", "Unit name"),
    "col.community": ("社区", "Community"),
    "col.community_name": ("社区名称", "Community name"),
    "col.cadre": ("干部", "Cadre"),
    "col.cadre_name": ("干部姓名", "Cadre name"),
    "col.rank": ("职级", "Rank"),
    "col.household": ("联系户", "Household"),
    "col.priority": ("困难程度", "Priority"),
    "col.lock": ("锁定", "Lock"),
    "col.date": ("日期", "Date"),
    "col.month": ("月份", "Month"),
    "col.activity": ("活动", "Activity"),
    "col.target": ("走访对象", "Target"),
    "col.role": ("角色", "Role"),
    "col.talk": ("谈心谈话", "Talk"),
    "col.visits": ("走访次数", "Visits"),
    "col.parties": ("到访人数（单位+干部+领导）", "Visiting parties"),
    "col.cap": ("上限", "Cap"),
    "col.count": ("数量", "Count"),
    "col.households_per_cadre": ("每名干部联系户数", "Households per cadre"),
    "col.communities_per_unit": ("每个单位联系社区数", "Communities per unit"),
    "col.leaders_per_office": ("每个办事处联系领导数", "Leaders per office"),
    "col.days_per_person": ("每人全年走访天数", "Visit days per person"),
    "col.person_kind": ("人员类别", "Person kind"),
    "col.change": ("变化", "Change"),
    "col.before": ("上年", "Last year"),
    "col.after": ("今年", "This year"),
    "col.kept": ("保持不变", "Kept"),
    "col.changed": ("有变化", "Changed"),
    "col.share_kept": ("保持比例", "Share kept"),
    "col.days": ("天数", "Days"),
    "person.leader": ("区级领导", "Leaders"),
    "person.unit": ("区直单位", "Units"),
    "person.cadre": ("党员干部", "Cadres"),
    "activity.contact": ("联系点走访", "Contact visit"),
    "activity.research": ("基层调研", "Research"),
    "activity.reception": ("信访接待", "Reception"),
    "activity.community": ("进社区", "Community visit"),
    "activity.household": ("入户走访", "Household visit"),
    "workload.distribution": ("分布（横轴为数量，纵轴为人数/个数）", "Distribution (x: count, y: how many)"),
    "map.caption": ("社区（大圆点）和联系户（小圆点），按联系单位着色。", "Communities (large dots) and households (small dots), "
                    "coloured by their unit."),
    "map.no_coords": ("数据中没有经纬度，无法显示地图。", "The data has no coordinates, so no map."),
    "map.sample": ("联系户较多，地图随机显示其中 {n} 户。", "Many households: the map shows {n} of them at random."),
    "map.office": ("地图范围（办事处）", "Map area (office)"),
    "heat.caption": ("每月到各办事处辖区的走访次数（所有人员）", "Visits per month into each office's area (everyone)"),
    "cal.person_kind": ("人员类别", "Person kind"),
    "cal.person": ("人员", "Person"),
    "cal.summary": ("{name}：全年 {visits} 次走访，{days} 个不同日期", "{name}: {visits} visits on {days} distinct dates"),
    "cal.empty": ("该人员全年没有走访安排。", "No visits scheduled for this person."),
    "burden.caption": ("每个社区每天的到访人数（单位、干部与调研领导合计）不超过 {cap}；每个办事处每天的区级领导不超过 {office_cap}。",
                       "Visiting parties per community per day (units, cadres and researching leaders) at most {cap}; "
                       "leaders per office per day at most {office_cap}."),
    "burden.max": ("单日最多到访人数", "Highest parties in one day"),
    "burden.days_at_cap": ("达到上限的社区·日", "Community-days at the cap"),
    "burden.busiest": ("最繁忙的社区·日", "Busiest community-days"),
    "burden.community": ("查看某社区逐日到访", "One community day by day"),
    "diff.none": ("未载入上年计划：在“数据”页上传上年计划，或把当前计划设为上年计划后重新求解，即可对比。",
                  "No plan of last year: upload one on the Data page (or set the current plan as last year's and "
                  "solve again) to compare."),
    "diff.changed_pairs": ("有变化的结对", "Changed pairs"),
    "diff.show_kind": ("查看", "Show"),
    # -- export page ---------------------------------------------------------------------------------------------
    "export.title": ("导出", "Export"),
    "export.intro": ("下载计划，用于打印、分发和导入手机日历。", "Download the plan for printing, distribution and phone calendars."),
    "export.xlsx": ("下载计划工作簿（.xlsx）", "Download the workbook (.xlsx)"),
    "export.xlsx_help": ("按领导、单位、干部分表，可直接打印下发", "One sheet per group, ready to print"),
    "export.ics": ("下载每人日历（.ics 压缩包）", "Download personal calendars (.zip of .ics)"),
    "export.ics_help": ("每人一个 .ics 文件，可导入手机或 Outlook 日历", "One .ics per person, for phone or Outlook calendars"),
    "export.csv": ("下载计划数据（CSV 压缩包）", "Download the plan data (.zip of CSV)"),
    "export.csv_help": ("与命令行 planner plan 输出的计划目录相同，可作为明年的“上年计划”",
                        "The same plan folder as `planner plan` writes; next year's “last year's plan”"),
    "export.rules": ("下载本次使用的规则（rules.toml）", "Download the rules used (rules.toml)"),
    "export.name_xlsx": ("{year}年联系计划.xlsx", "plan_{year}.xlsx"),
    "export.name_ics": ("{year}年个人日历.zip", "calendars_{year}.zip"),
    "export.name_csv": ("{year}年计划数据.zip", "plan_{year}.zip"),
    "export.unavailable": ("此导出功能暂不可用：{error}", "This export is not available: {error}"),
    # -- scenarios, users, conflicts (the store) -------------------------------------------------------------------
    "page.history": ("7 历史", "7 History"),
    "app.version": ("第 {version} 版计划 · 数据第 {revision} 次修订", "Plan version {version} · input revision {revision}"),
    "store.scenario": ("方案", "Scenario"),
    "store.scenario_help": ("一个方案保存一套数据、规则、锁定和它的全部计划版本；同事打开同一方案即可协作。",
                            "A scenario holds one set of data, rules and locks with all its plan versions; "
                            "colleagues open the same scenario to work together."),
    "store.author": ("您的姓名（记入操作记录）", "Your name (for the audit trail)"),
    "store.author_help": ("每次修改和求解都会记下是谁、在何时做的。", "Every change and solve records who did it and when."),
    "store.new": ("新建方案", "New scenario"),
    "store.new_name": ("新方案名称（复制当前数据、规则和锁定）", "Name of the new scenario (copies the current data, rules and locks)"),
    "store.create": ("创建并切换", "Create and switch"),
    "store.bad_name": ("请输入一个尚未使用的名称。", "Enter a name that is not in use yet."),
    "store.unavailable": ("版本库不可用，改动只保存在本次浏览中：{error}",
                          "The store is not available; changes are kept in this browser session only: {error}"),
    "store.save_failed": ("改动未能保存到版本库（仍保留在本页面）：{error}",
                          "The change could not be saved to the store (it is kept on this page): {error}"),
    "store.yours": ("您尚未保存的改动：{parts}", "Your unsaved change: {parts}"),
    "store.merge": ("合并", "Merge"),
    "store.merge_help": ("保留同事的改动，再加上您的改动（双方改的是不同部分时可用）。",
                         "Keep the colleague's changes and add yours (when you changed different parts)."),
    "store.reload": ("重新加载", "Reload"),
    "store.reload_help": ("放弃您未保存的改动，显示最新保存的方案。", "Drop your unsaved change and show the scenario as saved now."),
    "store.clash": ("双方修改了同一部分（{parts}），无法自动合并：请重新加载后再改。",
                    "Both sides changed the same part ({parts}): it cannot be merged. Reload, then edit again."),
    # -- history page ------------------------------------------------------------------------------------------
    "history.title": ("历史", "History"),
    "history.intro": ("每次求解都保存为一个不可更改的版本；可比较两个版本、查看或恢复任一版本。所有修改都记入操作记录。",
                      "Every solve is kept as an immutable version: compare two, view or restore any. Every change "
                      "is in the audit trail."),
    "history.no_store": ("版本库不可用，没有历史记录。", "The store is not available: no history."),
    "history.no_versions": ("这个方案还没有版本：求解后即有。", "This scenario has no version yet: solve to make one."),
    "history.tab_versions": ("版本", "Versions"),
    "history.tab_compare": ("比较", "Compare"),
    "history.tab_audit": ("操作记录", "Audit trail"),
    "history.col_version": ("版本", "Version"),
    "history.col_when": ("时间", "When"),
    "history.col_who": ("操作人", "Who"),
    "history.col_kind": ("类型", "Kind"),
    "history.col_status": ("状态", "Status"),
    "history.col_objective": ("目标值", "Objective"),
    "history.col_gap": ("差距", "Gap"),
    "history.col_households": ("联系户", "Households"),
    "history.col_cadres": ("干部", "Cadres"),
    "history.col_visits": ("走访次数", "Visits"),
    "history.col_since": ("调整起始日", "Since"),
    "history.col_what": ("内容", "What"),
    "history.col_action": ("操作", "Action"),
    "history.pick": ("选择版本", "Version"),
    "history.version_label": ("第 {n} 版 · {kind} · {when}", "Version {n} · {kind} · {when}"),
    "history.view": ("在结果页查看", "View in Results"),
    "history.viewing": ("结果页正在显示第 {version} 版。", "Results now shows version {version}."),
    "history.restore_confirm": ("确认恢复此版本", "Confirm restoring this version"),
    "history.restore_help": ("当前数据、规则和锁定将换成该版本求解时所用的；现在的仍保留在历史中。",
                             "The current data, rules and locks become those this version was solved from; the "
                             "present ones stay in the history."),
    "history.restore": ("恢复此版本", "Restore this version"),
    "history.restored": ("已恢复第 {version} 版，保存为第 {new} 版。", "Version {version} restored as version {new}."),
    "history.v1": ("较早版本", "Earlier version"),
    "history.v2": ("较新版本", "Later version"),
    "history.compare": ("比较", "Compare"),
    "history.compare_running": ("正在比较并独立核验两个版本……", "Comparing and checking both versions…"),
    "history.pairs": ("结对变化", "Pairs changed"),
    "history.col_table": ("结对类型", "Pairs"),
    "history.col_before": ("之前", "Before"),
    "history.col_after": ("之后", "After"),
    "history.col_kept": ("保持", "Kept"),
    "history.col_removed": ("取消", "Removed"),
    "history.col_added": ("新增", "Added"),
    "history.col_kept_share": ("保持比例", "Share kept"),
    "history.visits_kept": ("走访不变", "Visits kept"),
    "history.visits_moved": ("走访改期", "Visits moved"),
    "history.visits_dropped": ("走访取消", "Visits dropped"),
    "history.visits_new": ("走访新增", "Visits added"),
    "history.minimums": ("第 {n} 版最低要求", "Minimums, version {n}"),
    "history.need_two": ("至少需要两个版本才能比较。", "Two versions are needed to compare."),
    "history.filter_action": ("操作类型", "Action"),
    "history.filter_author": ("操作人", "Who"),
    "history.filter_text": ("内容包含", "What contains"),
    "history.audit_rows": ("共 {n} 条记录，显示 {shown} 条", "{n} entries, {shown} shown"),
    "vkind.solve": ("求解", "solve"),
    "vkind.replan": ("年中调整", "mid-year replan"),
    "vkind.restore": ("恢复", "restore"),
    "vkind.previous": ("上年计划", "last year's plan"),
    "action.create": ("新建方案", "created"),
    "action.data": ("数据", "data"),
    "action.rules": ("规则", "rules"),
    "action.locks": ("锁定", "locks"),
    "action.restore": ("恢复", "restore"),
    "action.version": ("保存版本", "version"),
    "action.purge": ("删除个人信息", "personal data purged"),
    "results.viewing": ("正在查看历史版本第 {version} 版（不是最新计划）。", "Showing the older version {version} (not the latest plan)."),
    "results.back_latest": ("回到最新计划", "Back to the latest plan"),
    # -- mid-year replan ----------------------------------------------------------------------------------------
    "replan.title": ("年中调整", "Mid-year replan"),
    "replan.intro": ("某日之前的走访作为已发生的历史保留不变；人员或数据变动后，以最少的改动重排当年余下的计划，结果另存为新版本。",
                     "Visits before the date stay as history; after people or data changed, the rest of the year "
                     "is re-planned with the fewest changes and saved as a new version."),
    "replan.since": ("自此日起重排", "Replan from"),
    "replan.start": ("开始年中调整", "Replan"),
    "replan.need_version": ("需要先有一个已保存的计划版本。", "A saved plan version is needed first."),
    "replan.done": ("年中调整完成（第 {version} 版，基于第 {base} 版）：保留历史走访 {frozen} 次，结对变化 {pairs} 对，"
                    "走访改期 {moved} 次、新增 {new} 次、取消 {dropped} 次。",
                    "Replanned (version {version}, from version {base}): {frozen} past visits kept, {pairs} pairs "
                    "changed, {moved} visits moved, {new} added, {dropped} dropped."),
    "cal.district": ("全区信访接待", "District reception"),
    # -- supervision (督查) ----------------------------------------------------------------------------------------
    "page.progress": ("8 督查", "8 Supervision"),
    "progress.title": ("督查", "Supervision"),
    "progress.intro": ("按实际走访记录看计划执行到哪一步：谁落后、差多少、哪些月份漏了，需要帮谁（不做个人排名）。",
                       "Where the plan stands by the recorded visits: who is behind, by how much, which periods "
                       "were missed, who needs help (no ranking of individuals)."),
    "progress.source": ("走访记录来源", "Actual visits from"),
    "progress.source.store": ("已登记的记录", "Recorded in the app"),
    "progress.source.upload": ("上传文件", "Uploaded file"),
    "progress.source.demo": ("示例记录（演示）", "Demo records"),
    "progress.as_of": ("统计截至", "As of"),
    "progress.upload": ("上传走访记录（actuals.csv 或含“走访记录”表的工作簿）", "Upload actual visits (actuals.csv or a "
                        "workbook with sheet 走访记录)"),
    "progress.upload_help": ("列同 visits.csv，另可有 备注、记录人；中文或英文表头均可。", "Columns as visits.csv plus "
                             "optional note and recorded_by; Chinese or English headers."),
    "progress.upload_bad": ("走访记录有误，未载入：", "The actual visits have errors and were not loaded:"),
    "progress.upload_ok": ("已载入 {n} 条走访记录（重复 {dup} 条只计一次）。", "{n} visits loaded ({dup} duplicates "
                           "counted once)."),
    "progress.upload_store": ("把这些记录保存到库（作为已登记的记录）", "Save these visits in the store"),
    "progress.upload_stored": ("已保存 {n} 条走访记录。", "{n} visits saved."),
    "progress.no_actuals": ("还没有走访记录：可在下方按计划登记，或上传文件、使用示例记录。", "No actual visits yet: "
                            "record some below, upload a file, or use the demo records."),
    "progress.no_store": ("未连接数据库，无法登记。", "No store: recording is unavailable."),
    "progress.summary": ("漏报期 {missed} 个；异常记录 {anomalies} 条（走访对象不是本人的联系对象）。",
                         "{missed} periods missed; {anomalies} anomalies (a visit to someone else's target)."),
    "progress.tab_levels": ("办事处与单位", "Offices and units"),
    "progress.tab_months": ("逐月进度", "Month by month"),
    "progress.tab_help": ("需要帮助", "Needs help"),
    "progress.tab_anomalies": ("异常记录", "Anomalies"),
    "progress.tab_record": ("登记走访", "Record a visit"),
    "progress.tab_checks": ("随机抽查", "Spot checks"),
    "progress.by_office": ("各办事处", "Offices"),
    "progress.by_unit": ("各单位", "Units"),
    "progress.months_office": ("各办事处累计完成率（%）", "Offices: cumulative completion (%)"),
    "progress.months_unit": ("各单位累计完成率（%）", "Units: cumulative completion (%)"),
    "progress.nothing": ("暂无数据", "Nothing yet"),
    "progress.col_id": ("编号", "Id"),
    "progress.col_name": ("名称", "Name"),
    "progress.col_required": ("全年应完成", "Required (year)"),
    "progress.col_planned": ("计划至今", "Planned to date"),
    "progress.col_done": ("已完成", "Done"),
    "progress.col_rate": ("完成率%", "Completion %"),
    "progress.col_rag": ("评价", "Rating"),
    "progress.col_kind": ("类别", "Kind"),
    "progress.col_unit": ("所属单位", "Unit"),
    "progress.col_person": ("人员", "Person"),
    "progress.col_target": ("联系对象", "Target"),
    "progress.col_obligation": ("义务", "Obligation"),
    "progress.col_gap_plan": ("差计划", "Behind plan by"),
    "progress.col_gap_year": ("差全年", "Short of the year by"),
    "progress.col_left": ("剩余工作日", "Workdays left"),
    "progress.col_status": ("状态", "Status"),
    "progress.col_period": ("未走访的期间", "Period without a visit"),
    "progress.help_intro": ("按单位和编号排列，不按差距排名：列出的是需要帮助和督促的联系对象。",
                            "Listed by unit and id, not ranked by the gap: these are the links that need help."),
    "progress.nobody_behind": ("没有落后于计划的联系对象。", "Nobody is behind the plan."),
    "progress.drill": ("查看某人的缺失走访", "Show a person's missing visits"),
    "progress.missing_visits": ("**计划中截至该日、尚无对应记录的走访：**", "**Planned visits to date with no matching "
                                "record:**"),
    "progress.missed_periods": ("**漏报期：**", "**Periods missed:**"),
    "progress.anomalies_intro": ("这些记录的走访人与对象没有联系关系，不计入任何义务，请核实。", "These visits are by a "
                                 "person not linked to the target: they count toward nothing; please check them."),
    "progress.record_person": ("登记人员（单位为本单位干部登记，干部为本人登记）", "Person (units record for their "
                               "cadres, cadres for themselves)"),
    "progress.record_visit": ("计划中的走访", "Planned visit"),
    "progress.record_none": ("此人的计划走访都已登记。", "Every planned visit of this person is recorded."),
    "progress.record_outcome": ("结果", "Outcome"),
    "progress.outcome.as_planned": ("按计划完成", "Done as planned"),
    "progress.outcome.other_day": ("改日完成", "Done on another day"),
    "progress.outcome.missed": ("未完成及原因", "Missed, with reason"),
    "progress.record_date": ("实际日期", "Actual date"),
    "progress.record_talk": ("进行了谈心谈话", "Heart-to-heart talk held"),
    "progress.record_note": ("备注（可空）", "Note (optional)"),
    "progress.record_note_help": ("备注属于个人信息，仅授权人员可见，可随时清除。", "Notes are personal data: visible "
                                  "to authorised people only, and can be purged."),
    "progress.record_reason": ("未完成原因", "Reason"),
    "progress.record_save": ("保存登记", "Save"),
    "progress.record_saved": ("已登记。", "Recorded."),
    "progress.sample_n": ("抽查条数", "Sample size"),
    "progress.sample_seed": ("随机种子（相同种子得到相同样本）", "Seed (same seed, same sample)"),
    "progress.sample_download": ("下载抽查回访表", "Download the callback sheet"),
    "progress.sample_fill": ("电话回访后在“confirmed”列选择 是/否，下方即显示各单位确认率；下载后可用 planner progress --checks 汇入通报。",
                             "After each callback choose 是/否 in 'confirmed'; the confirmation rate by unit shows below. "
                             "The downloaded file feeds planner progress --checks."),
    "progress.bulletin": ("下载通报（Excel）", "Download the bulletin (Excel)"),
    "progress.tab_catchup": ("从今天起重排", "Catch up from today"),
    "progress.catchup": ("从今天起重排", "Re-plan from today"),
    "progress.catchup_intro": ("以截至统计日的实际走访为历史，从 {since} 起重排当年余下的计划（尽量保留原计划），"
                               "无法再完成的最低要求列为缺口。", "The actual visits up to the as-of date become history; "
                               "the rest of the year from {since} is re-planned (keeping the plan where possible); "
                               "minimums that can no longer be met are listed as shortfalls."),
    "progress.catchup_done": ("已重排：历史 {history} 条；原计划走访保留 {kept}、改期 {moved}、新增 {new}、取消 {dropped}；"
                              "结对变化 {pairs} 对。", "Re-planned: {history} history rows; planned visits kept "
                              "{kept}, moved {moved}, new {new}, dropped {dropped}; {pairs} pairs changed."),
    "progress.catchup_short": ("{n} 项最低要求今年已无法完成（缺口）：", "{n} minimums can no longer be met this year "
                               "(shortfalls):"),
    "progress.catchup_download": ("下载重排后的计划（CSV 压缩包）", "Download the re-planned plan (zip of CSV)"),
}


def rule_label(field: dataclasses.Field[Any], lang: Lang) -> str:
    """A rule's label from its own metadata (rules.py keeps label and source together)."""
    return str(field.metadata.get(lang) or field.metadata.get("en") or field.name)


def rule_help(field: dataclasses.Field[Any], lang: Lang) -> str | None:
    source = str(field.metadata.get("source") or "")
    return tr(lang, "rules.source", text=source) if source else None


def tr(lang: Lang, key: str, **values: Any) -> str:
    """Translate `key` into `lang`; an unknown key shows itself so that a missing entry is visible, not fatal."""
    pair = T.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "zh" else pair[1]
    return text.format(**values) if values else text


def current_lang() -> Lang:
    import streamlit as st

    lang = st.session_state.get(LANG_KEY, "zh")
    return "en" if lang == "en" else "zh"


def labels(prefix: str) -> Callable[[str], str]:
    """A format_func for translated option labels, bound to the language of this run (format functions may be
    called again outside the script run, where the session's language is not at hand)."""
    lang = current_lang()
    return lambda value: tr(lang, f"{prefix}{value}")


def lkey(base: str) -> str:
    """A widget key per language, for select boxes whose option labels are translated: the widget remembers
    its choice by label, so a label that changes with the language must not meet the old remembered one."""
    return f"{base}.{current_lang()}"


def t(key: str, **values: Any) -> str:
    """Translate into the session's language."""
    return tr(current_lang(), key, **values)
