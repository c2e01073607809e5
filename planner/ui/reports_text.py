"""The research-report texts of the 规则 and 督查 pages (Chinese, English), merged into planner.ui.i18n.T — kept
apart so the shared catalogue only gains two lines."""

from __future__ import annotations

REPORTS_T: dict[str, tuple[str, str]] = {
    "group.reports": ("调研报告", "Research reports"),
    "reports.upload": ("上传已完成的调研报告（reports.csv 或含“调研报告”表的工作簿，可选）",
                       "Upload the research reports handed in (reports.csv or a workbook with sheet 调研报告, optional)"),
    "reports.upload_help": ("列：人员编号 person_id、完成日期 date、报告题目 title；中文或英文表头均可。同一人同一题目只计一篇。",
                            "Columns person_id, date, title (Chinese or English headers). One report per person and "
                            "title."),
    "reports.upload_bad": ("调研报告表有误，未载入：", "The reports table has errors and was not loaded:"),
    "reports.upload_ok": ("已载入 {n} 篇调研报告（重复 {dup} 条只计一次）；“调研报告篇数”已计入进度。",
                          "{n} research reports loaded ({dup} duplicates counted once); the obligation 'Research "
                          "reports' is now judged."),
    "reports.not_judged": ("未上传调研报告时，不评价“调研报告篇数”。", "Without reports uploaded, research reports are "
                                                                "not judged."),
    "reports.upload_store": ("把这些调研报告保存到库", "Save these reports in the store"),
    "reports.upload_stored": ("已保存 {n} 篇新的调研报告。", "{n} new research reports saved."),
    "reports.from_store": ("库中已有 {n} 篇调研报告，已计入进度；上传文件可补充。", "{n} research reports from the store "
                                                                    "are judged; upload a file to add more."),
    "reports.due_title": ("调研报告完成期限", "Research report due dates"),
    "reports.not_owed": ("以下报告的作者不承担调研报告任务（不计入任何义务）：", "These reports are by people who owe "
                                                                  "none (counted toward nothing):"),
}
