"""argparse's own error messages in Chinese (`planner` with --lang zh, the default): "缺少必需的参数：--out".

argparse formats its messages from gettext msgids; each known msgid becomes a regular expression whose placeholders
are the groups a Chinese template is filled with. A message not in the table is shown as argparse wrote it.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

# argparse's error messages (msgids of Python 3.11-3.13) → Chinese; placeholders become regex groups
ZH_ERRORS = {
    "argument %(argument_name)s: %(message)s": "参数 {argument_name}：{message}",
    "the following arguments are required: %s": "缺少必需的参数：{0}",
    "unrecognized arguments: %s": "无法识别的参数：{0}",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择 {value}（可选：{choices}）",
    "invalid %(type)s value: %(value)r": "{type}值无效：{value}",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多只能有一个值",
    "expected at least one argument": "至少需要一个值",
    "one of the arguments %s is required": "须给出以下参数之一：{0}",
    "not allowed with argument %s": "不能与参数 {0} 同时使用",
    "ambiguous option: %(option)s could match %(matches)s": "选项 {option} 有歧义，可能是：{matches}",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "未知的命令 {parser_name}（可选：{choices}）",
    "ignored explicit argument %r": "多余的值 {0}",
}
ZH_TYPES = {"int": "整数", "float": "数值"}


def _error_pattern(msgid: str) -> re.Pattern[str]:
    parts = re.split(r"(%\((\w+)\)[sr]|%[sr])", msgid)
    out, n = [], 0
    for i in range(0, len(parts), 3):
        out.append(re.escape(parts[i]))
        if i + 1 < len(parts):
            name = parts[i + 2] or str(n)
            n += parts[i + 2] is None
            out.append(f"(?P<{'g' + name if name.isdigit() else name}>.+?)")
    return re.compile("".join(out), re.DOTALL)


_ZH_ERROR_PATTERNS = [(_error_pattern(msgid), zh) for msgid, zh in ZH_ERRORS.items()]


def zh_error(message: str) -> str:
    """An argparse error message in Chinese (unchanged if it is not one of argparse's known messages)."""
    for pattern, zh in _ZH_ERROR_PATTERNS:
        match = pattern.fullmatch(message)
        if match:
            found = match.groupdict()
            if "message" in found:
                found["message"] = zh_error(found["message"])
            if "type" in found:
                found["type"] = ZH_TYPES.get(found["type"], found["type"])
            return zh.format(*(found[k] for k in sorted(found) if k.startswith("g")), **found)
    return message


class Parser(argparse.ArgumentParser):
    """argparse with its error messages in Chinese when its help formatter is Chinese (planner.cli._localise sets
    planner.cli.ZhHelpFormatter, whose CHINESE flag this reads); sub-parsers are of the same class."""

    def error(self, message: str) -> NoReturn:
        if getattr(self.formatter_class, "CHINESE", False):
            self.print_usage(sys.stderr)
            self.exit(2, f"{self.prog}：错误：{zh_error(message)}\n")
        super().error(message)
